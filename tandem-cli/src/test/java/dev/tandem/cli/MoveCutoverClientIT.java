package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.client.MigrationHandle;
import dev.tandem.client.Tandem;
import dev.tandem.client.TandemContext;
import dev.tandem.core.MigrationFiles;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.postgres.StageHook;
import dev.tandem.postgres.TransitionRequest;
import dev.tandem.relay.MoveHook;
import dev.tandem.relay.Relay;
import dev.tandem.relay.Relays;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.verify.Verification;
import dev.tandem.verify.VerificationGate;
import dev.tandem.verify.Verifier;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

/**
 * Invariants 1, 2 and 5 through {@code tandem-client}: eight writer threads in two client instances
 * insert, update and delete through {@link MigrationHandle#write} (increments on 300 shared keys, so
 * the writers overlap; inserts, updates and deletes of keys each thread owns) while the move is cut
 * over, reverted and cut over again. After each step the two stores equal each other and the
 * writers' own record row for row: a write lost, or made on both sides, would show as a total off by
 * its cents. No write fails, and the longest any write waited is measured.
 */
class MoveCutoverClientIT {
    private static final int SHARED = 300;
    private static final int THREADS = 8;

    @Test
    void shouldCutOverRevertAndCutOverAgainUnderClientWritesWithNoErrorAndNothingLost() throws Exception {
        EmbeddedPostgres.Database orders = EmbeddedPostgres.newDatabase();
        EmbeddedPostgres.Database billing = EmbeddedPostgres.newDatabase();
        MoveCutoverIT.sql(orders, """
                CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total numeric(12, 2));
                INSERT INTO orders SELECT g, 1, 0 FROM generate_series(1, 300) g;
                """);
        MoveCutoverIT.sql(
                billing,
                "CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint NOT NULL," + " total_cents bigint)");
        List<String> said = java.util.Collections.synchronizedList(new ArrayList<>());
        dev.tandem.postgres.EngineListener listener = new dev.tandem.postgres.EngineListener() {
            @Override
            public void info(String message) {
                said.add(message);
            }
        };
        Engine engine = Engine.create(
                orders.dataSource(),
                EngineOptions.builder()
                        .listener(listener)
                        .hook(StageHook.all(
                                MoveHook.builder(orders.dataSource())
                                        .stores(Map.of("billing", billing.dataSource()))
                                        .listener(listener)
                                        .build(),
                                new VerificationGate(orders.dataSource())))
                        .build());
        engine.start(MigrationFiles.parse(MoveFixture.FILE_NAME, MoveFixture.MOVE));
        List<Tandem> clients = List.of(client(orders, billing, "a"), client(orders, billing, "b"));
        // Before any relay runs: capture records the caller's correlation id and traceparent, which the
        // client set on the connection it handed out.
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        try (TandemContext.Scope ignored = TandemContext.correlate("order-42", traceparent)) {
            clients.getFirst()
                    .migration("0007_move_orders")
                    .write("42", c -> update(c, "UPDATE orders SET total = total WHERE id = ?", 42), c -> 0);
        }
        assertThat(MoveCutoverIT.rows(
                        orders, "SELECT correlation_id, traceparent FROM tandem.outbox WHERE key = '(42)'"))
                .containsExactly("order-42|" + traceparent);
        List<Relay> relays = Relays.of(orders.dataSource(), Map.of("billing", billing.dataSource()), b -> b);
        relays.forEach(r -> Thread.ofPlatform().daemon().start(() -> {
            try {
                r.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        // The cutover gate wants a passing verification first.
        Verification verified = Verifier.builder(orders.dataSource())
                .stores(Map.of("billing", billing.dataSource()))
                .build()
                .verify(null);
        assertThat(verified.passed()).as(verified.toString()).isTrue();
        Workload workload = new Workload(clients);
        try {
            List<Duration> stalls = new ArrayList<>();
            for (String step : List.of("cutover", "revert", "cutover")) {
                workload.start();
                Thread.sleep(700);
                long t0 = System.nanoTime();
                if (step.equals("cutover")) {
                    engine.cutover(TransitionRequest.active());
                } else {
                    engine.revert(TransitionRequest.active());
                }
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                Thread.sleep(700);
                workload.stop();
                assertThat(workload.errors).as("client errors around " + step).isEmpty();
                stalls.add(workload.longest());
                System.out.printf(
                        "%s took %d ms; %d writes, the longest %d ms%n",
                        step,
                        took.toMillis(),
                        workload.writes.get(),
                        workload.longest().toMillis());
                said.stream().filter(m -> m.startsWith("fence:")).forEach(System.out::println);
                said.clear();
                workload.awaitDelivered(orders, billing);
                assertThat(MoveCutoverIT.rows(orders, "SELECT id, (total * 100)::bigint FROM orders ORDER BY id"))
                        .as("orders after " + step)
                        .containsExactlyElementsOf(workload.expected());
                assertThat(MoveCutoverIT.rows(billing, "SELECT id, total_cents FROM invoices ORDER BY id"))
                        .as("invoices after " + step)
                        .containsExactlyElementsOf(workload.expected());
            }
            assertThat(workload.onTarget.get()).isPositive();
            assertThat(workload.onSource.get()).isPositive();
            // The fence's target is under 100 ms; a shared 2-core machine gets a generous bound here, and
            // the benchmark measures the real figure.
            assertThat(stalls).allSatisfy(d -> assertThat(d).isLessThan(Duration.ofSeconds(3)));
        } finally {
            workload.stop();
            clients.forEach(Tandem::close);
            relays.forEach(Relay::stop);
        }
    }

    private static int update(Connection c, String sql, long key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, key);
            return ps.executeUpdate();
        }
    }

    /** A service instance: its own connection pools, as a real one has. */
    private static Tandem client(EmbeddedPostgres.Database orders, EmbeddedPostgres.Database billing, String name) {
        return Tandem.connect()
                .service("orders")
                .instance("orders-" + name)
                .dataSource(DemoPool.of(orders.dataSource(), 8))
                .store("billing", DemoPool.of(billing.dataSource(), 8))
                .build();
    }

    /** The writers, and what they committed: the model the stores are checked against. */
    private static final class Workload {
        private final List<Tandem> clients;
        private final AtomicLongArray increments = new AtomicLongArray(SHARED + 1);
        /** Each owned key's cents, or absent once deleted; each thread writes only its own keys. */
        private final Map<Long, Long> owned = new ConcurrentHashMap<>();

        private final List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        private final AtomicLong writes = new AtomicLong();
        private final AtomicLong onSource = new AtomicLong();
        private final AtomicLong onTarget = new AtomicLong();
        private final AtomicLong longestNanos = new AtomicLong();
        private final AtomicLong nextOwned = new AtomicLong(1_000_000);
        private final AtomicBoolean running = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();

        Workload(List<Tandem> clients) {
            this.clients = clients;
        }

        void start() {
            running.set(true);
            longestNanos.set(0);
            for (int t = 0; t < THREADS; t++) {
                MigrationHandle move = clients.get(t % clients.size()).migration("0007_move_orders");
                SplittableRandom random = new SplittableRandom(t * 7919L + System.nanoTime());
                threads.add(Thread.ofPlatform().daemon().start(() -> write(move, random)));
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join();
            }
            threads.clear();
        }

        Duration longest() {
            return Duration.ofNanos(longestNanos.get());
        }

        private void write(MigrationHandle move, SplittableRandom random) {
            List<Long> mine = new ArrayList<>();
            while (running.get()) {
                long t0 = System.nanoTime();
                try {
                    int dice = random.nextInt(100);
                    boolean target;
                    if (dice < 60 || mine.isEmpty()) {
                        long key = random.nextLong(1, SHARED + 1);
                        target = move.write(
                                String.valueOf(key),
                                c -> update(c, "UPDATE orders SET total = total + 0.01 WHERE id = ?", key, false),
                                c -> update(
                                        c,
                                        "UPDATE invoices SET total_cents = total_cents + 1 WHERE id = ?",
                                        key,
                                        true));
                        increments.incrementAndGet((int) key);
                        if (dice >= 60) {
                            long fresh = nextOwned.getAndIncrement();
                            long cents = random.nextLong(0, 100_000);
                            move.write(
                                    String.valueOf(fresh),
                                    c -> insert(c, "INSERT INTO orders VALUES (?, 1, ? / 100.0)", fresh, cents),
                                    c -> insert(c, "INSERT INTO invoices VALUES (?, 1, ?)", fresh, cents));
                            owned.put(fresh, cents);
                            mine.add(fresh);
                        }
                    } else if (dice < 85) {
                        long key = mine.get(random.nextInt(mine.size()));
                        long cents = random.nextLong(0, 100_000);
                        target = move.write(
                                String.valueOf(key),
                                c -> set(c, "UPDATE orders SET total = ? / 100.0 WHERE id = ?", cents, key, false),
                                c -> set(c, "UPDATE invoices SET total_cents = ? WHERE id = ?", cents, key, true));
                        owned.put(key, cents);
                    } else {
                        long key = mine.remove(random.nextInt(mine.size()));
                        target = move.write(
                                String.valueOf(key),
                                c -> update(c, "DELETE FROM orders WHERE id = ?", key, false),
                                c -> update(c, "DELETE FROM invoices WHERE id = ?", key, true));
                        owned.remove(key);
                    }
                    (target ? onTarget : onSource).incrementAndGet();
                    writes.incrementAndGet();
                } catch (SQLException | RuntimeException e) {
                    errors.add(e);
                    return;
                }
                longestNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
            }
        }

        private static boolean update(Connection c, String sql, long key, boolean target) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setLong(1, key);
                if (ps.executeUpdate() != 1) {
                    throw new SQLException("no row " + key + ": " + sql);
                }
            }
            return target;
        }

        private static boolean set(Connection c, String sql, long cents, long key, boolean target) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setLong(1, cents);
                ps.setLong(2, key);
                if (ps.executeUpdate() != 1) {
                    throw new SQLException("no row " + key + ": " + sql);
                }
            }
            return target;
        }

        private static Boolean insert(Connection c, String sql, long key, long cents) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setLong(1, key);
                ps.setLong(2, cents);
                ps.executeUpdate();
            }
            return Boolean.TRUE;
        }

        /** Every row the stores must hold, as id|cents in key order. */
        List<String> expected() {
            TreeMap<Long, Long> all = new TreeMap<>(owned);
            for (int k = 1; k <= SHARED; k++) {
                all.put((long) k, increments.get(k));
            }
            List<String> out = new ArrayList<>();
            all.forEach((k, v) -> out.add(k + "|" + v));
            return out;
        }

        void awaitDelivered(EmbeddedPostgres.Database orders, EmbeddedPostgres.Database billing)
                throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline
                    && !(MoveCutoverIT.rows(orders, "SELECT count(*) FROM tandem.outbox")
                                    .equals(List.of("0"))
                            && MoveCutoverIT.rows(billing, "SELECT count(*) FROM tandem.outbox")
                                    .equals(List.of("0")))) {
                Thread.sleep(20);
            }
            Thread.sleep(300); // a relay's claim in hand commits after its apply
        }
    }
}
