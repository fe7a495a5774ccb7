package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A table with no primary key and no unique key over NOT NULL columns is backfilled in ctid ranges.
 * Rows that old-shape UPDATEs move while it runs (HOT, within their page; non-HOT, to another page,
 * behind the checkpoint too), rows inserted and deleted, a pause, a killed backfill and a table
 * rewritten under it: afterwards every row is in the new shape.
 */
@ExtendWith(PostgresExtension.class)
class CtidBackfillIT {
    static final String ID = "0001_event_source";
    static final int ROWS = 20_000;

    EmbeddedPostgres.Database database;
    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(database);
        // id is unique but nullable, so it is no key. Pages are left 10% free for HOT updates; kind is
        // indexed, so an update of it is never HOT. Autovacuum stays out of the test's way.
        db.exec("""
                CREATE TABLE events (id int, kind text NOT NULL, payload text)
                  WITH (fillfactor = 90, autovacuum_enabled = false);
                CREATE UNIQUE INDEX events_id_key ON events (id);
                CREATE INDEX events_kind_idx ON events (kind);
                INSERT INTO events SELECT g, 'k' || (g % 7), repeat('p', 40) FROM generate_series(1, 20000) g;
                ANALYZE events;
                """);
    }

    static Migration addSource() {
        return TestDb.migration(ID, """
                  - add_column:
                      table: events
                      column: { name: source, type: text, default: "'legacy'" }
                """, null);
    }

    private Engine engine() {
        return db.engine(EngineOptions.builder().backfill(false).build());
    }

    @Test
    void shouldWalkCtidRangesWithTidRangeScansEvenInAGenericPlan() throws Exception {
        Plan plan = engine().plan(addSource());

        PlannedStep backfill = plan.steps(Stage.BACKFILL).getFirst();
        assertThat(backfill.description()).contains("in ctid block ranges");
        String update = backfill.sql().substring(0, backfill.sql().indexOf("\n--"));
        db.exec("ALTER TABLE events ADD COLUMN source text");
        try (Connection c = db.old();
                Statement s = c.createStatement()) {
            // A batch's UPDATE is a prepared statement, which may run with a plan made for any bounds.
            s.execute("PREPARE batch(text, text) AS "
                    + update.replaceFirst("\\?", "\\$1").replaceFirst("\\?", "\\$2"));
            s.execute("SET plan_cache_mode = force_generic_plan");
            assertThat(String.join(
                            "\n",
                            TestDb.rows(c, "EXPLAIN EXECUTE batch('(0,0)', '(9,65535)')").stream()
                                    .map(r -> r.getFirst())
                                    .toList()))
                    .contains("Tid Range Scan on events");
        }
    }

    @Test
    void shouldFillEveryRowThatUpdatesMoveWhileTheBackfillIsPausedAndThenComplete() throws Exception {
        Engine engine = engine();
        assertThat(engine.start(addSource()).phase()).isEqualTo(Phase.EXPANDED);
        BackfillInTheMiddle backfill = new BackfillInTheMiddle(db, 4_000).run();
        backfill.pauseAfter(ROWS / 4);
        long checkpoint = checkpointBlock();
        List<String> ahead = unreachedIdsFrom(checkpoint + 20, 300);

        makeRoomBehind(checkpoint);
        List<String> grown = ahead.subList(0, 100);
        List<String> hot = ahead.subList(100, 150);
        List<String> reindexed = ahead.subList(150, 200);
        List<String> deleted = ahead.subList(200, 250);
        db.exec("UPDATE events SET payload = " + BIG + " WHERE id IN (" + in(grown) + ")");
        assertThat(blocksOf(grown).stream().filter(b -> b < checkpoint))
                .as("rows an update moved behind the checkpoint")
                .isNotEmpty();
        assertThat(hotUpdate(hot)).as("HOT updates").isPositive();
        db.exec("UPDATE events SET kind = kind || '!' WHERE id IN (" + in(reindexed) + ")");
        db.exec("DELETE FROM events WHERE id IN (" + in(deleted) + ")");
        db.exec("INSERT INTO events SELECT g, 'new', 'n' FROM generate_series(100001, 100500) g");

        MigrationStatus done = backfill.resumeAndFinish();

        assertThat(done.phase()).isEqualTo(Phase.BACKFILLED);
        assertEveryRowFilled(-1);
        assertThat(db.value("SELECT count(*) FROM events WHERE id IN (" + in(deleted) + ") OR id > 100000"))
                .isEqualTo("500");
        assertThat(db.value("SELECT count(*) FROM events WHERE id IN (" + in(grown) + ") AND length(payload) > 1000"))
                .isEqualTo("100");
        assertThat(db.value("SELECT tgenabled FROM pg_trigger WHERE tgname = '" + BackfillOnUpdate.TRIGGER + "'"))
                .as("the on-update fill stops once the backfill is done")
                .isEqualTo("D");
        // The view of a table that is not kept in sync is a plain view: writes find their row by themselves.
        try (Connection c = db.newShape(ID);
                Statement s = c.createStatement()) {
            s.execute("INSERT INTO events (id, kind, payload) VALUES (200001, 'v', 'v')");
            s.execute("UPDATE events SET source = 'view' WHERE id = 200001 OR id = 1");
            s.execute("DELETE FROM events WHERE id = 2");
        }
        assertThat(db.rows("SELECT id, source FROM events WHERE id IN (1, 2, 200001) ORDER BY id"))
                .containsExactly(List.of("1", "view"), List.of("200001", "view"));

        engine.complete(TransitionRequest.active());

        assertThat(db.definition("public.events"))
                .contains("column 4 source text false 'legacy'::text")
                .doesNotContain("trigger")
                .doesNotContain("_tandem");
        assertThat(db.value("SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                        + " WHERE n.nspname = 'tandem'"))
                .isEqualTo("0");
    }

    @Test
    void shouldResumeAKilledBackfillFromItsCheckpointAndThenRollBackLeavingTheTableAsBefore() throws Exception {
        String before = db.definition("public.events");
        Engine engine = engine();
        engine.start(addSource());
        BackfillInTheMiddle backfill = new BackfillInTheMiddle(db, 2_000).run();
        backfill.awaitRowsDone(ROWS / 4);
        long checkpoint = checkpointBlock();
        makeRoomBehind(checkpoint);
        // Rows far ahead of the running backfill move, some behind it; then its session is killed.
        List<String> ahead = unreachedIdsFrom(checkpoint + 60, 200);
        db.exec("UPDATE events SET payload = " + BIG + " WHERE id IN (" + in(ahead.subList(0, 100)) + ")");
        db.exec("SELECT pg_terminate_backend(runner_pid) FROM tandem.backfill");

        Throwable killed =
                catchThrowable(() -> backfill.future().get(BackfillInTheMiddle.DEADLINE.toSeconds(), TimeUnit.SECONDS));
        assertThat(killed).isInstanceOf(ExecutionException.class);
        assertThat(killed.getCause()).isInstanceOfSatisfying(TandemException.class, e -> assertThat(e.code())
                .isEqualTo(ErrorCode.CONNECTION_FAILED));
        BackfillProgress interrupted = engine.status(null).orElseThrow().backfill();
        assertThat(interrupted.state()).isEqualTo(BackfillProgress.State.INTERRUPTED);
        assertThat(interrupted.rowsDone()).isBetween((long) ROWS / 4, ROWS - 1L);
        db.exec("UPDATE events SET kind = kind || '!' WHERE id IN (" + in(ahead.subList(100, 200)) + ")");
        db.exec("INSERT INTO events SELECT g, 'new', 'n' FROM generate_series(100001, 100100) g");

        assertThat(engine.backfill(null).phase()).isEqualTo(Phase.BACKFILLED);

        assertEveryRowFilled(-1);
        engine.rollback(TransitionRequest.active());
        assertThat(db.definition("public.events")).isEqualTo(before);
        assertThat(db.value("SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                        + " WHERE n.nspname = 'tandem'"))
                .isEqualTo("0");
    }

    @Test
    void shouldWalkATableRewrittenUnderTheBackfillAgainFromItsFirstBlock() throws Exception {
        Engine engine = engine();
        engine.start(addSource());
        BackfillInTheMiddle backfill = new BackfillInTheMiddle(db, 4_000).run();
        backfill.pauseAfter(ROWS / 4);
        // Half the rows the backfill has done go; VACUUM FULL packs the rest, and the rows it has not
        // reached, untouched, land behind its checkpoint.
        db.exec("DELETE FROM events WHERE source IS NOT NULL AND id % 2 = 0");
        db.exec("VACUUM FULL events");
        assertThat(db.value("SELECT count(*) FROM events WHERE source IS NULL AND (ctid::text::point)[0] < "
                        + checkpointBlock()))
                .isNotEqualTo("0");

        assertThat(backfill.resumeAndFinish().phase()).isEqualTo(Phase.BACKFILLED);

        assertEveryRowFilled(-1);
    }

    /** An incompressible value too big for the 10% a page keeps free: its row must move to another page. */
    private static final String BIG = "(SELECT string_agg(md5(i::text || id::text), '') FROM generate_series(1, 50) i)";

    private long checkpointBlock() {
        String tid = db.value("SELECT last_key[1] FROM tandem.backfill");
        return Long.parseLong(tid.substring(1, tid.indexOf(',')));
    }

    private List<String> unreachedIdsFrom(long block, int count) {
        List<String> ids = db
                .rows("SELECT id FROM events WHERE source IS NULL AND (ctid::text::point)[0] >= " + block
                        + " ORDER BY id LIMIT " + count)
                .stream()
                .map(r -> r.getFirst())
                .toList();
        assertThat(ids).as("rows the backfill has not reached").hasSize(count);
        return ids;
    }

    /** Frees half of each page behind the checkpoint and tells the free space map. */
    private void makeRoomBehind(long checkpoint) {
        db.exec("DELETE FROM events WHERE id % 2 = 0 AND (ctid::text::point)[0] < " + checkpoint);
        db.exec("VACUUM events");
    }

    private List<Long> blocksOf(List<String> ids) {
        return db.rows("SELECT (ctid::text::point)[0]::bigint FROM events WHERE id IN (" + in(ids) + ")").stream()
                .map(r -> Long.parseLong(r.getFirst()))
                .toList();
    }

    /** Updates the rows in place (same size, no indexed column) and returns how many updates were HOT. */
    private long hotUpdate(List<String> ids) throws Exception {
        try (Connection c = db.old();
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("UPDATE events SET payload = repeat('h', 40) WHERE id IN (" + in(ids) + ")");
            long hot = Long.parseLong(TestDb.rows(c, "SELECT pg_stat_get_xact_tuples_hot_updated('events'::regclass)")
                    .getFirst()
                    .getFirst());
            c.commit();
            return hot;
        }
    }

    /** Every row holds the new column; {@code rows} is how many there are, or -1 not to check. */
    private void assertEveryRowFilled(long rows) {
        assertThat(db.value("SELECT count(*) FROM events WHERE source IS NULL")).isEqualTo("0");
        assertThat(db.value("SELECT count(*) FROM events WHERE source <> 'legacy'"))
                .isEqualTo("0");
        if (rows >= 0) {
            assertThat(db.value("SELECT count(*) FROM events")).isEqualTo(String.valueOf(rows));
        }
    }

    private static String in(List<String> ids) {
        return ids.stream().collect(Collectors.joining(", "));
    }
}
