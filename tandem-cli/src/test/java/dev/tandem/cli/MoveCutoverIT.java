package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.relay.Relay;
import dev.tandem.relay.Relays;
import dev.tandem.testkit.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fenced cutover, revert and complete of a move, as a user runs them, with writers that never
 * heard of tandem writing all along through plain JDBC: while the source is authoritative their writes
 * land and are carried over; once cut over, each write to the source gets the guard's error, which
 * names the store and table to write to, while writes to the target flow back to the source; revert
 * turns it round; and at every step the two sides are equal row for row and every committed write is
 * there. One relay set, started once, carries both directions.
 */
class MoveCutoverIT {
    private static final int KEYS = 500;

    @TempDir
    Path dir;

    @Test
    void shouldHandTheWritesOverAndBackWithPlainWritersLosingNothing() throws Exception {
        EmbeddedPostgres.Database orders = EmbeddedPostgres.newDatabase();
        EmbeddedPostgres.Database billing = EmbeddedPostgres.newDatabase();
        MoveFixture.start(dir, orders, billing);
        String store = MoveFixture.store(billing);
        String url = orders.jdbcUrl();

        List<Relay> relays = Relays.of(orders.dataSource(), Map.of("billing", billing.dataSource()), b -> b);
        List<Thread> relayThreads = relays.stream()
                .map(r -> Thread.ofPlatform().daemon().start(() -> {
                    try {
                        r.run();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }))
                .toList();

        // Each writer adds one cent to random keys (overlapping), on the side it is told: every
        // committed increment must be in the final total, whichever side it went to.
        // The cutover gate wants a passing verification first, as a user runs it.
        CliRun verify = CliRun.of("verify", "--url", url, "--user", orders.user(), "--store", store);
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
        AtomicLongArray committed = new AtomicLongArray(KEYS + 1);
        Map<String, AtomicLong> refusals = new ConcurrentHashMap<>();
        List<String> messages = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean toTarget = new AtomicBoolean(false);
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> writers = restart(4, running, toTarget, orders, billing, committed, refusals, messages);
        Thread.sleep(500);

        CliRun cutover = CliRun.of("cutover", "--url", url, "--user", orders.user(), "--store", store);
        assertThat(cutover.exitCode()).as(cutover.out() + cutover.err()).isZero();
        assertThat(cutover.out()).contains("fence: writes to public.orders held", "CUT_OVER");
        Thread.sleep(300);
        // Writers that never heard of tandem now meet the guard, which says where to write.
        assertThat(refusals).containsOnlyKeys("TD001");
        assertThat(messages.getFirst()).contains("store billing", "public.invoices");
        toTarget.set(true);
        Thread.sleep(500);
        quiesceAndCompare(running, writers, orders, billing, committed);
        CliRun status = CliRun.of("status", "--url", url, "--user", orders.user(), "--store", store);
        assertThat(status.out()).contains("go to billing.invoices (cut over; orders refuses them");
        CliRun json = CliRun.of("status", "--json", "--url", url, "--user", orders.user(), "--store", store);
        assertThat(json.out().replaceAll("\\s", "")).contains("\"authoritative\":\"target\"");

        running.set(true);
        writers = restart(writers.size(), running, toTarget, orders, billing, committed, refusals, messages);
        CliRun revert = CliRun.of("revert", "--url", url, "--user", orders.user(), "--store", store);
        assertThat(revert.exitCode()).as(revert.out() + revert.err()).isZero();
        assertThat(refusals.get("TD001").get()).isPositive();
        toTarget.set(false);
        Thread.sleep(500);
        quiesceAndCompare(running, writers, orders, billing, committed);
        assertThat(refusing(billing, "UPDATE invoices SET total_cents = total_cents WHERE id = 1"))
                .contains("public.orders");

        running.set(true);
        writers = restart(writers.size(), running, toTarget, orders, billing, committed, refusals, messages);
        CliRun again = CliRun.of("cutover", "--url", url, "--user", orders.user(), "--store", store);
        assertThat(again.exitCode()).as(again.out() + again.err()).isZero();
        toTarget.set(true);
        Thread.sleep(500);
        quiesceAndCompare(running, writers, orders, billing, committed);

        CliRun complete = CliRun.of(
                "complete", "--url", url, "--user", orders.user(), "--store", store, "--force", "--reason", "test");
        assertThat(complete.exitCode()).as(complete.out() + complete.err()).isZero();
        relays.forEach(Relay::stop);
        for (Thread t : relayThreads) {
            t.join();
        }
        // The source is a read-only archive: reads work, writes get the guard's error.
        assertThat(rows(orders, "SELECT count(*) FROM orders")).containsExactly(String.valueOf(KEYS));
        assertThat(refusing(orders, "DELETE FROM orders WHERE id = 1")).contains("read-only archive", "billing");
        // Sync stopped: a write to the target is no longer captured.
        sql(billing, "UPDATE invoices SET total_cents = total_cents + 1 WHERE id = 2");
        assertThat(rows(billing, "SELECT count(*) FROM tandem.outbox")).containsExactly("0");
    }

    /** Starts {@code n} writers, each adding one cent to random keys on the side {@code toTarget} names. */
    private static List<Thread> restart(
            int n,
            AtomicBoolean running,
            AtomicBoolean toTarget,
            EmbeddedPostgres.Database orders,
            EmbeddedPostgres.Database billing,
            AtomicLongArray committed,
            Map<String, AtomicLong> refusals,
            List<String> messages) {
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < n; w++) {
            writers.add(Thread.ofPlatform().daemon().start(() -> {
                try (Connection o = orders.dataSource().getConnection();
                        Connection b = billing.dataSource().getConnection();
                        PreparedStatement onSource =
                                o.prepareStatement("UPDATE orders SET total = total + 0.01 WHERE id = ?");
                        PreparedStatement onTarget =
                                b.prepareStatement("UPDATE invoices SET total_cents = total_cents + 1 WHERE id = ?")) {
                    while (running.get()) {
                        int key = ThreadLocalRandom.current().nextInt(1, KEYS + 1);
                        PreparedStatement ps = toTarget.get() ? onTarget : onSource;
                        ps.setInt(1, key);
                        try {
                            if (ps.executeUpdate() == 1) {
                                committed.incrementAndGet(key);
                            }
                        } catch (SQLException e) {
                            refusals.computeIfAbsent(e.getSQLState(), s -> new AtomicLong())
                                    .incrementAndGet();
                            if (messages.size() < 3) {
                                messages.add(e.getMessage());
                            }
                            Thread.sleep(1);
                        }
                    }
                } catch (SQLException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        return writers;
    }

    /** Stops the writers, waits until the relays have delivered everything, and compares both sides with what was committed. */
    private static void quiesceAndCompare(
            AtomicBoolean running,
            List<Thread> writers,
            EmbeddedPostgres.Database orders,
            EmbeddedPostgres.Database billing,
            AtomicLongArray committed)
            throws Exception {
        running.set(false);
        for (Thread t : writers) {
            t.join();
        }
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (rows(orders, "SELECT count(*) FROM tandem.outbox").equals(List.of("0"))
                    && rows(billing, "SELECT count(*) FROM tandem.outbox").equals(List.of("0"))) {
                break;
            }
            Thread.sleep(20);
        }
        Thread.sleep(200);
        List<String> expected = new ArrayList<>();
        for (int k = 1; k <= KEYS; k++) {
            expected.add(k + "|" + (k * 50L + committed.get(k)));
        }
        assertThat(rows(orders, "SELECT id, (total * 100)::bigint FROM orders ORDER BY id"))
                .containsExactlyElementsOf(expected);
        assertThat(rows(billing, "SELECT id, total_cents FROM invoices ORDER BY id"))
                .containsExactlyElementsOf(expected);
    }

    private static String refusing(EmbeddedPostgres.Database db, String sql) {
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            assertThat(e.getSQLState()).isEqualTo("TD001");
            return e.getMessage();
        }
        throw new AssertionError("expected a refusal of: " + sql);
    }

    static void sql(EmbeddedPostgres.Database db, String sql) {
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    static List<String> rows(EmbeddedPostgres.Database db, String sql) {
        return rows(db.dataSource(), sql);
    }

    static List<String> rows(DataSource ds, String sql) {
        List<String> out = new ArrayList<>();
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> v = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    v.add(rs.getString(i));
                }
                out.add(String.join("|", v));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
        return out;
    }
}
