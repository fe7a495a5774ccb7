package dev.tandem.relay;

import static dev.tandem.relay.RelayConvergenceIT.exec;
import static dev.tandem.relay.RelayConvergenceIT.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.postgres.BackfillProgress;
import dev.tandem.testkit.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The copy of a move's existing rows against a real relay and real failures. A gate on the target
 * (a trigger that waits for an advisory lock the test holds, on one key) stops a batch halfway
 * through its write, so that the test can change rows under it, let the relay try to deliver them,
 * or kill either of the copy's connections, at that exact point.
 */
class MoveCopyIT {
    /** The key whose write waits at the gate: in the second batch of 1000 of keys 1..3000. */
    static final int GATED = 1500;

    static final String GATE = """
            CREATE FUNCTION gate() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.id = %d THEN
                PERFORM pg_advisory_xact_lock_shared(4242);
              END IF;
              RETURN NEW;
            END $$;
            CREATE TRIGGER gate BEFORE INSERT OR UPDATE ON invoices FOR EACH ROW EXECUTE FUNCTION gate();
            """.formatted(GATED);

    EmbeddedPostgres.Database source;
    EmbeddedPostgres.Database target;
    MoveSpec spec = RelayConvergenceIT.orders();
    Connection gate;

    @BeforeEach
    void stores() throws SQLException {
        source = EmbeddedPostgres.newDatabase();
        target = EmbeddedPostgres.newDatabase();
        exec(source.dataSource(), RelayConvergenceIT.SOURCE_TABLE);
        exec(target.dataSource(), RelayConvergenceIT.TARGET_TABLE + GATE);
        gate = target.dataSource().getConnection();
        try (Statement s = gate.createStatement()) {
            s.execute("SELECT pg_advisory_lock(4242)");
        }
        Moves.prepare(source.dataSource(), target.dataSource(), spec, "billing");
    }

    @AfterEach
    void closeGate() throws SQLException {
        gate.close();
    }

    void openGate() throws SQLException {
        try (Statement s = gate.createStatement()) {
            s.execute("SELECT pg_advisory_unlock(4242)");
        }
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(10);
        }
    }

    static long count(DataSource ds, String sql) {
        return Long.parseLong(rows(ds, sql).getFirst());
    }

    void awaitCopyAtTheGate() throws InterruptedException {
        await(
                "the copy waits at the gate",
                () -> count(
                                target.dataSource(),
                                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                                        + " AND objid = 4242 AND NOT granted")
                        == 1);
    }

    CompletableFuture<Long> copyInBackground(int batch) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return Moves.copy(source.dataSource(), target.dataSource(), spec, batch);
                    } catch (SQLException e) {
                        throw new CompletionException(e);
                    }
                },
                RelayConvergenceIT.THREADS);
    }

    List<String> sourceProjection() {
        return RelayFaultsIT.sourceProjection(source.dataSource());
    }

    List<String> targetRows() {
        return RelayFaultsIT.targetRows(target.dataSource());
    }

    @Test
    void shouldNeitherBringBackARowTheRelayDeletedNorOverwriteOneItUpdatedWhileTheCopyWasWritingIt() throws Exception {
        Relay relay = Relay.builder(source.dataSource())
                .move(spec, target.dataSource())
                .batchSize(200)
                .pollInterval(Duration.ofMillis(20))
                .build();
        CompletableFuture<Void> relaying = RelayConvergenceIT.inBackground(relay);
        CompletableFuture<Long> copying = copyInBackground(1000);
        awaitCopyAtTheGate();
        // The second batch has read its rows and written 1001..1499, uncommitted. Change rows it wrote
        // (1200, 1300), rows it read but has not written (1700, 1800), and rows of the next batch.
        exec(source.dataSource(), """
                DELETE FROM orders WHERE id IN (1200, 1800, 2600);
                UPDATE orders SET note = 'after', total = total + 1 WHERE id IN (1300, 1700, 2500);
                """);
        await(
                "the relay waits for the copy (at its fence), or has applied the changes",
                () -> count(
                                        target.dataSource(),
                                        "SELECT count(*) FROM pg_locks WHERE NOT granted"
                                                + " AND NOT (locktype = 'advisory' AND objid = 4242)")
                                > 0
                        || count(target.dataSource(), "SELECT count(*) FROM tandem.applied") > 0);
        assertThat(rows(target.dataSource(), "SELECT count(*) FROM tandem.applied"))
                .as("nothing is applied while a batch writes")
                .containsExactly("0");
        openGate();
        assertThat(copying.join())
                .as("1000 and 1000 read before the deletes, then 2001..3000 but 2600 (deleted) and 2500 (the relay's)")
                .isEqualTo(2998);
        await("the outbox is empty", () -> count(source.dataSource(), "SELECT count(*) FROM tandem.outbox") == 0);
        relay.stop();
        relaying.join();

        assertThat(rows(target.dataSource(), "SELECT id FROM invoices WHERE id IN (1200, 1800, 2600)"))
                .as("deleted rows stay deleted")
                .isEmpty();
        assertThat(rows(
                        target.dataSource(),
                        "SELECT id, note FROM invoices WHERE id IN (1300, 1700, 2500) ORDER BY id"))
                .as("the relay's updates stand")
                .containsExactly("1300|after", "1700|after", "2500|after");
        assertThat(targetRows()).containsExactlyElementsOf(sourceProjection());
    }

    @Test
    void shouldResumeFromTheLastCommittedBatchWhenTheTargetConnectionIsKilledMidBatch() throws Exception {
        CompletableFuture<Long> copying = copyInBackground(1000);
        awaitCopyAtTheGate();
        exec(
                target.dataSource(),
                "SELECT pg_terminate_backend(pid) FROM pg_locks"
                        + " WHERE locktype = 'advisory' AND objid = 4242 AND NOT granted");
        assertThatThrownBy(copying::join).hasCauseInstanceOf(SQLException.class);
        assertThat(rows(target.dataSource(), "SELECT count(*), max(id) FROM invoices"))
                .as("the killed batch left nothing behind")
                .containsExactly("1000|1000");
        assertThat(rows(source.dataSource(), "SELECT copy_last, copy_rows FROM tandem.moves"))
                .containsExactly("{1000}|1000");

        openGate();
        exec(source.dataSource(), "UPDATE orders SET note = 'late' WHERE id = 1600; DELETE FROM orders WHERE id = 2");
        List<BackfillProgress> resumed = new ArrayList<>();
        long total = Moves.copy(source.dataSource(), target.dataSource(), spec, 1000, 0, resumed::add);
        assertThat(total).as("1000 before the kill, 2000 after").isEqualTo(3000);
        assertThat(resumed.getFirst().rowsDone()).isEqualTo(2000);
        assertThat(resumed.getLast().state()).isEqualTo(BackfillProgress.State.DONE);
        Relay.builder(source.dataSource())
                .move(spec, target.dataSource())
                .build()
                .deliverOnce();
        assertThat(targetRows()).containsExactlyElementsOf(sourceProjection());
    }

    @Test
    void shouldWriteTheRangeAgainWhenTheSourceConnectionIsKilledBeforeTheCheckpoint() throws Exception {
        CompletableFuture<Long> copying = copyInBackground(1000);
        awaitCopyAtTheGate();
        exec(
                source.dataSource(),
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        + " WHERE datname = current_database() AND query LIKE 'COPY (%'");
        openGate();
        assertThatThrownBy(copying::join).hasCauseInstanceOf(SQLException.class);
        assertThat(rows(source.dataSource(), "SELECT copy_rows FROM tandem.moves"))
                .containsExactly("1000");

        // The target holds the second batch or not, depending on how far the killed source had sent it;
        // either way the resumed copy writes it again, with the source's current rows.
        exec(source.dataSource(), "UPDATE orders SET note = 'late' WHERE id IN (1001, 1600, 2000)");
        assertThat(Moves.copy(source.dataSource(), target.dataSource(), spec, 1000))
                .isEqualTo(3000);
        assertThat(rows(target.dataSource(), "SELECT note FROM invoices WHERE id IN (1001, 1600, 2000)"))
                .containsExactly("late", "late", "late");
        assertThat(targetRows()).containsExactlyElementsOf(sourceProjection());
    }

    @Test
    void shouldOverwriteRowsTheTargetHeldButNotTheRowsTheRelayWrote() throws Exception {
        openGate();
        exec(target.dataSource(), """
                INSERT INTO invoices SELECT g, 0, 0, 'stale' FROM generate_series(1, 3000, 7) g;
                INSERT INTO invoices VALUES (9000, 0, 0, 'the target''s own');
                """);
        // The relay delivers some changes before the copy: an update, a delete, and an insert.
        exec(source.dataSource(), """
                UPDATE orders SET note = 'relayed' WHERE id IN (8, 15, 1006);
                DELETE FROM orders WHERE id IN (22, 1014);
                INSERT INTO orders VALUES (3001, 1, 1, 'new');
                """);
        Relay relay = Relay.builder(source.dataSource())
                .move(spec, target.dataSource())
                .build();
        while (relay.deliverOnce() > 0) {
            // until the outbox is empty
        }
        // A change the relay has not delivered yet: the copy reads it, and so will the relay.
        exec(source.dataSource(), "UPDATE orders SET note = 'pending' WHERE id = 29");

        assertThat(Moves.copy(source.dataSource(), target.dataSource(), spec, 250))
                .as("every source row but the four the relay wrote")
                .isEqualTo(3000 - 2 + 1 - 4);
        assertThat(rows(target.dataSource(), "SELECT count(*) FROM invoices WHERE note = 'stale'"))
                .containsExactly("0");
        assertThat(rows(target.dataSource(), "SELECT id, note FROM invoices WHERE id IN (8, 22, 29, 1014) ORDER BY id"))
                .containsExactly("8|relayed", "29|pending");
        relay.deliverOnce();
        assertThat(rows(target.dataSource(), "SELECT note FROM invoices WHERE id = 9000"))
                .as("a row the source does not have is the target's own")
                .containsExactly("the target's own");
        exec(target.dataSource(), "DELETE FROM invoices WHERE id = 9000");
        assertThat(targetRows()).containsExactlyElementsOf(sourceProjection());
    }

    /** A move whose mapping is given as target column to expression. */
    static MoveSpec move(String id, String table, List<String> key, Map<String, String> columns) {
        return new MoveSpec(id, "public", table, key, "public", table, columns, key);
    }

    @Test
    void shouldCopyOddCompositeKeysInTheSourcesCollationAndMappingsThatChangeTypes() throws Exception {
        EmbeddedPostgres.Database from = EmbeddedPostgres.newDatabase();
        EmbeddedPostgres.Database to = EmbeddedPostgres.newDatabase();
        // ICU orders 'a' < 'B' < 'b'; "C" orders 'B' < 'a' < 'b'. Bounds compared in the wrong one lose rows.
        exec(from.dataSource(), """
                CREATE TABLE things (k text COLLATE "und-x-icu", n numeric(12,3), qty int, price numeric(12,2),
                                     at timestamptz, PRIMARY KEY (k, n));
                INSERT INTO things
                SELECT k, n, length(k), n * 2, timestamptz '2024-02-29 23:30:00+00' + n * interval '1 hour'
                FROM unnest(ARRAY['', ' ', 'a', 'A', 'b', 'B', 'a b', 'a,b', '(x)', '"q"', 'back\\slash', E'tab\\tin',
                                  E'new\\nline', '\\N', 'NULL', 'é', 'e', 'E', 'ß', 'ss', '🙂', 'ﬁ', '''quote''',
                                  repeat('long', 100)]) AS k,
                     unnest(ARRAY[-1, -0.5, 0, 1.5, 1e8]::numeric[]) AS n;
                """);
        exec(to.dataSource(), """
                CREATE TABLE things (k text COLLATE "C", n numeric, qty bigint, price text, day date,
                                     PRIMARY KEY (k, n));
                INSERT INTO things VALUES ('b', 0.000, 0, 'stale', NULL), ('"q"', 1.500, 0, 'stale', NULL);
                """);
        Map<String, String> columns = new LinkedHashMap<>();
        columns.put("k", "k");
        columns.put("n", "n");
        columns.put("qty", "qty");
        columns.put("price", "price");
        columns.put("day", "at::date");
        MoveSpec odd = move("0003_move_things", "things", List.of("k", "n"), columns);
        Moves.prepare(from.dataSource(), to.dataSource(), odd);
        exec(from.dataSource(), "UPDATE things SET qty = -1 WHERE n = 0");
        Relay relay =
                Relay.builder(from.dataSource()).move(odd, to.dataSource()).build();
        while (relay.deliverOnce() > 0) {
            // the relay touches some keys before the copy: the copy leaves them out
        }

        // More keys touched than a batch holds: each range's keys are looked up, odd ones among them.
        assertThat(Moves.copy(from.dataSource(), to.dataSource(), odd, 7)).isEqualTo(24 * 5 - 24);
        String projection = "SELECT k, n, qty, price, day FROM things ORDER BY k COLLATE \"C\", n";
        assertThat(rows(to.dataSource(), projection))
                .hasSize(24 * 5)
                .containsExactlyElementsOf(rows(
                        from.dataSource(),
                        "SELECT k, n, qty, price::text, (at AT TIME ZONE 'UTC')::date FROM things"
                                + " ORDER BY k COLLATE \"C\", n"));
    }
}
