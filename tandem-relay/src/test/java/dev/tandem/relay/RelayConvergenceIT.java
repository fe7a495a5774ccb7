package dev.tandem.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The source and the target converge row for row: under concurrent writers on overlapping keys
 * (key updates, deletes and re-inserts under the same key, NULLs), with the copy racing live changes,
 * with every change delivered twice and out of order, and with a key whose change the target refuses.
 */
class RelayConvergenceIT {
    static final Executor THREADS = r -> Thread.ofPlatform().daemon().start(r);

    /** Runs {@code relay} on a thread of its own until it is stopped. */
    static CompletableFuture<Void> inBackground(Relay relay) {
        return CompletableFuture.runAsync(
                () -> {
                    try {
                        relay.run();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                THREADS);
    }

    EmbeddedPostgres.Database source;
    EmbeddedPostgres.Database target;
    MoveSpec spec;

    @BeforeEach
    void stores() {
        source = EmbeddedPostgres.newDatabase();
        target = EmbeddedPostgres.newDatabase();
        exec(source.dataSource(), SOURCE_TABLE);
        exec(target.dataSource(), TARGET_TABLE);
        spec = orders();
    }

    /** The move the relay tests make: orders on the source to invoices on the target, totals in cents. */
    static MoveSpec orders() {
        Map<String, String> columns = new LinkedHashMap<>();
        columns.put("id", "id");
        columns.put("customer_id", "customer_id");
        columns.put("total_cents", "(total * 100)::bigint");
        columns.put("note", "note");
        return new MoveSpec(
                "0001_move_orders", "public", "orders", List.of("id"), "public", "invoices", columns, List.of("id"));
    }

    static final String SOURCE_TABLE = """
            CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, total numeric(12,2), note text);
            INSERT INTO orders SELECT g, g % 17, g * 1.25, CASE WHEN g % 5 = 0 THEN NULL ELSE 'n' || g END
            FROM generate_series(1, 3000) g;
            """;

    static final String TARGET_TABLE = """
            CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint, total_cents bigint CHECK (total_cents >= 0),
                                   note text);
            """;

    static void exec(DataSource ds, String sql) {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
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

    List<String> sourceProjection() {
        return rows(source.dataSource(), "SELECT id, customer_id, (total * 100)::bigint, note FROM orders ORDER BY id");
    }

    List<String> targetRows() {
        return rows(target.dataSource(), "SELECT id, customer_id, total_cents, note FROM invoices ORDER BY id");
    }

    Relay relay() {
        return Relay.builder(source.dataSource())
                .move(spec, target.dataSource())
                .batchSize(200)
                .pollInterval(Duration.ofMillis(50))
                .maxAttempts(3)
                .retry(Duration.ofMillis(10), Duration.ofMillis(100))
                .build();
    }

    /** One writer's random mix on keys 1..4000: inserts, updates, key changes, deletes and re-inserts. */
    static void write(DataSource ds, long seed, int transactions) {
        Random random = new Random(seed);
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            for (int t = 0; t < transactions; t++) {
                for (int attempt = 0; ; attempt++) {
                    try {
                        c.setAutoCommit(false);
                        for (int k = 0; k < 5; k++) {
                            long id = 1 + random.nextInt(4000);
                            switch (random.nextInt(6)) {
                                case 0 ->
                                    s.execute("INSERT INTO orders VALUES (" + id + ", " + random.nextInt(9)
                                            + ", " + random.nextInt(10000) / 100.0 + ", 'ins" + t
                                            + "') ON CONFLICT (id) DO UPDATE SET note = 'upsert'");
                                case 1, 2 ->
                                    s.execute("UPDATE orders SET total = total + 1, note = "
                                            + (random.nextBoolean() ? "NULL" : "'u" + t + "'") + " WHERE id = " + id);
                                case 3 -> s.execute("DELETE FROM orders WHERE id = " + id);
                                case 4 ->
                                    s.execute("UPDATE orders SET id = id + 5000 WHERE id = " + id
                                            + " AND NOT EXISTS (SELECT 1 FROM orders WHERE id = " + (id + 5000) + ")");
                                default -> {
                                    s.execute("DELETE FROM orders WHERE id = " + id);
                                    s.execute("INSERT INTO orders VALUES (" + id + ", 1, 9.99, 'again')");
                                }
                            }
                        }
                        c.commit();
                        break;
                    } catch (SQLException e) {
                        c.rollback();
                        if (!"40P01".equals(e.getSQLState()) && !"23505".equals(e.getSQLState()) || attempt > 20) {
                            throw e;
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void shouldConvergeUnderConcurrentWritersWithTheCopyRacingLiveChanges() throws Exception {
        Moves.prepare(source.dataSource(), target.dataSource(), spec);
        Relay relay = relay();
        CompletableFuture<Void> running = inBackground(relay);
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            long seed = w;
            writers.add(CompletableFuture.runAsync(() -> write(source.dataSource(), seed, 150), THREADS));
        }
        long copied = Moves.copy(source.dataSource(), target.dataSource(), spec, 250);
        CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).join();
        drain();
        relay.stop();
        running.join();

        assertThat(copied).isGreaterThan(0);
        assertThat(targetRows()).containsExactlyElementsOf(sourceProjection());
        assertThat(rows(source.dataSource(), "SELECT count(*) FROM tandem.outbox"))
                .containsExactly("0");
        assertThat(relay.stats().parked()).isZero();
    }

    /** Waits until the outbox is empty; fails after a minute. */
    void drain() throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            if (rows(source.dataSource(), "SELECT count(*) FROM tandem.outbox").equals(List.of("0"))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the outbox did not drain");
    }

    @Test
    void shouldConvergeWhenEveryChangeArrivesTwiceAndOutOfOrder() throws Exception {
        Moves.prepare(source.dataSource(), target.dataSource(), spec);
        Moves.copy(source.dataSource(), target.dataSource(), spec, 500);
        for (int w = 0; w < 3; w++) {
            write(source.dataSource(), 100 + w, 100);
        }
        // Take every captured change out of the outbox, then deliver all of them twice, shuffled, in small batches.
        List<Change> changes = new ArrayList<>();
        try (Connection c = source.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, key, op, row, version FROM tandem.outbox")) {
            while (rs.next()) {
                changes.add(new Change(
                        rs.getLong(1), rs.getString(2), "D".equals(rs.getString(3)), rs.getString(4), rs.getLong(5)));
            }
        }
        assertThat(changes).hasSizeGreaterThan(1000);
        List<Change> twice = new ArrayList<>(changes);
        twice.addAll(changes);
        Collections.shuffle(twice, new Random(7));
        Apply apply = new Apply(spec);
        try (Connection t = target.dataSource().getConnection()) {
            t.setAutoCommit(false);
            for (int i = 0; i < twice.size(); i += 37) {
                apply.apply(t, twice.subList(i, Math.min(twice.size(), i + 37)));
                t.commit();
            }
        }
        assertThat(targetRows()).containsExactlyElementsOf(sourceProjection());
    }

    @Test
    void shouldParkOnlyTheFailingKeyAndLetANewerChangeSupersedeIt() throws Exception {
        Moves.prepare(source.dataSource(), target.dataSource(), spec);
        Moves.copy(source.dataSource(), target.dataSource(), spec, 1000);
        Relay relay = relay();
        exec(source.dataSource(), "UPDATE orders SET total = -5 WHERE id = 42");
        exec(source.dataSource(), "UPDATE orders SET note = 'flows' WHERE id BETWEEN 100 AND 200");
        for (int i = 0; i < 50 && relay.stats().parked() == 0; i++) {
            relay.deliverOnce();
            Thread.sleep(30);
        }
        assertThat(relay.stats().parked()).isEqualTo(1);
        assertThat(rows(
                        source.dataSource(),
                        "SELECT key, jsonb_array_length(attempts), superseded_at IS NULL"
                                + " FROM tandem.dead_letters"))
                .containsExactly("(42)|3|t");
        assertThat(rows(target.dataSource(), "SELECT count(*) FROM invoices WHERE note = 'flows'"))
                .containsExactly("101");
        assertThat(rows(target.dataSource(), "SELECT total_cents FROM invoices WHERE id = 42"))
                .containsExactly("5250");

        exec(source.dataSource(), "UPDATE orders SET total = 7 WHERE id = 42");
        relay.deliverOnce();
        assertThat(rows(source.dataSource(), "SELECT superseded_by IS NOT NULL FROM tandem.dead_letters"))
                .containsExactly("t");
        assertThat(targetRows()).containsExactlyElementsOf(sourceProjection());
    }

    @Test
    void shouldDeliverAParkedChangeAgainWhenItIsReplayedAfterTheTargetIsFixed() throws Exception {
        Moves.prepare(source.dataSource(), target.dataSource(), spec);
        Moves.copy(source.dataSource(), target.dataSource(), spec, 1000);
        Relay relay = relay();
        exec(source.dataSource(), "UPDATE orders SET total = -5 WHERE id IN (42, 43)");
        for (int i = 0; i < 50 && relay.stats().parked() < 2; i++) {
            relay.deliverOnce();
            Thread.sleep(30);
        }
        assertThat(DeadLetters.list(source.dataSource()))
                .extracting(DeadLetters.DeadLetter::key, DeadLetters.DeadLetter::attempts, DeadLetters.DeadLetter::open)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("(42)", 3, true),
                        org.assertj.core.groups.Tuple.tuple("(43)", 3, true));
        // the target's owner allows negative totals now; one key is replayed, then the rest
        exec(target.dataSource(), "ALTER TABLE invoices DROP CONSTRAINT invoices_total_cents_check");
        assertThat(DeadLetters.replay(source.dataSource(), "(42)")).isEqualTo(1);
        relay.deliverOnce();
        assertThat(rows(target.dataSource(), "SELECT id, total_cents FROM invoices WHERE id IN (42, 43) ORDER BY id"))
                .containsExactly("42|-500", "43|5375");
        assertThat(DeadLetters.replay(source.dataSource(), null)).isEqualTo(1);
        relay.deliverOnce();
        assertThat(targetRows()).containsExactlyElementsOf(sourceProjection());
        assertThat(DeadLetters.list(source.dataSource())).noneMatch(DeadLetters.DeadLetter::open);
    }

    @Test
    void shouldResumeAStoppedCopyFromItsCheckpoint() throws Exception {
        Moves.prepare(source.dataSource(), target.dataSource(), spec, "billing");
        List<dev.tandem.postgres.BackfillProgress> seen = new ArrayList<>();
        try {
            Moves.copy(source.dataSource(), target.dataSource(), spec, 400, 0, p -> {
                seen.add(p);
                if (seen.size() == 3) {
                    throw new IllegalStateException("killed after three batches");
                }
            });
        } catch (IllegalStateException expected) {
            // the copy stopped as a killed process would, after its third batch
        }
        assertThat(rows(target.dataSource(), "SELECT count(*) FROM invoices")).containsExactly("1200");
        exec(source.dataSource(), "DELETE FROM orders WHERE id = 1; UPDATE orders SET note = 'late' WHERE id = 2999");
        List<dev.tandem.postgres.BackfillProgress> resumed = new ArrayList<>();
        long total = Moves.copy(source.dataSource(), target.dataSource(), spec, 400, 20_000, resumed::add);
        assertThat(total)
                .as("1200 before the stop, 1800 after; row 1 was copied before it was deleted")
                .isEqualTo(3000);
        assertThat(resumed.getFirst().rowsDone()).isEqualTo(1600);
        assertThat(resumed.getLast().state()).isEqualTo(dev.tandem.postgres.BackfillProgress.State.DONE);
        relay().deliverOnce();
        assertThat(targetRows()).containsExactlyElementsOf(sourceProjection());
    }

    @Test
    void shouldCaptureEveryWriterInItsTransactionWithItsCorrelationButNotTheRelaysOwnWrites() throws Exception {
        Moves.prepare(source.dataSource(), target.dataSource(), spec);
        exec(source.dataSource(), """
                BEGIN;
                SET LOCAL tandem.correlation_id = 'req-7';
                SET LOCAL tandem.traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
                UPDATE orders SET note = 'traced' WHERE id = 1;
                COMMIT;
                BEGIN;
                UPDATE orders SET note = 'rolled back' WHERE id = 2;
                ROLLBACK;
                SET session_replication_role = replica;
                UPDATE orders SET note = 'replica' WHERE id = 3;
                RESET session_replication_role;
                SET tandem.origin = 'relay';
                UPDATE orders SET note = 'echo' WHERE id = 4;
                RESET tandem.origin;
                UPDATE orders SET id = 9001 WHERE id = 5;
                """);
        assertThat(rows(
                        source.dataSource(),
                        "SELECT key, op, correlation_id, traceparent FROM tandem.outbox ORDER BY id"))
                .containsExactly(
                        "(1)|U|req-7|00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                        "(3)|U|null|null",
                        "(5)|D|null|null",
                        "(9001)|U|null|null");
    }
}
