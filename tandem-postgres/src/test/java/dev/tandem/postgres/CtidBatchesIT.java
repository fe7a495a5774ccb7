package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The batches of a backfill by ctid: a row limit smaller than what one block holds cuts blocks
 * between their rows, and a batch that fails on a row's data names that row by its ctid.
 */
@ExtendWith(PostgresExtension.class)
class CtidBatchesIT {
    EmbeddedPostgres.Database database;
    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(database);
        db.exec("""
                CREATE TABLE events (id int, kind text NOT NULL);
                INSERT INTO events SELECT g, 'k' || (g % 7) FROM generate_series(1, 1500) g;
                ANALYZE events;
                """);
    }

    @Test
    void shouldHoldARowLimitSmallerThanABlockByCuttingBlocksBetweenRows() {
        assertThat(db.value("SELECT count(*) FROM events WHERE ctid < '(1,0)'"))
                .as("rows in the first block")
                .satisfies(rows -> assertThat(Integer.parseInt(rows)).isGreaterThan(100));
        List<String> checkpoints = new CopyOnWriteArrayList<>();
        Engine engine = db.engine(EngineOptions.builder()
                .backfill(false)
                .maxRowsPerSecond(600)
                .listener(new EngineListener() {
                    @Override
                    public void backfillProgress(BackfillProgress progress) {
                        checkpoints.add(db.value("SELECT last_key[1] FROM tandem.backfill"));
                    }
                })
                .build());
        engine.start(CtidBackfillIT.addSource());

        assertThat(engine.backfill(null).phase()).isEqualTo(Phase.BACKFILLED);

        assertThat(db.value("SELECT count(*) FROM events WHERE source IS DISTINCT FROM 'legacy'"))
                .isEqualTo("0");
        assertThat(checkpoints)
                .as("600 rows/s: batches of at most 30 rows, so at least 50 of them")
                .hasSizeGreaterThanOrEqualTo(1500 / 30)
                .anySatisfy(
                        tid -> assertThat(tid).as("a checkpoint within a block").doesNotEndWith(",0)"));
        assertThat(db.value("SELECT rows_done FROM tandem.backfill")).isEqualTo("1500");
    }

    @Test
    void shouldNameTheFirstRowThatFailsByItsCtid() {
        String ctid = db.value("SELECT ctid FROM events WHERE id = 700");
        Engine engine = db.engine(EngineOptions.builder().backfill(false).build());
        engine.start(TestDb.migration("0001_checked_source", """
                  - add_column:
                      table: events
                      column: { name: source, type: text, default: "'legacy'", check: "source <> 'legacy' OR id < 700" }
                """, null));

        assertThatThrownBy(() -> engine.backfill(null)).isInstanceOfSatisfying(TandemException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.DATABASE_ERROR);
            assertThat(e.getMessage())
                    .contains("the backfill of public.events failed in the batch of keys ctid (")
                    .contains("first failing row: ctid = " + ctid);
        });
        BackfillProgress failed = engine.status(null).orElseThrow().backfill();
        assertThat(failed.state()).isEqualTo(BackfillProgress.State.FAILED);
        assertThat(failed.failure()).startsWith("events: row ctid = " + ctid);
    }

    @Test
    void shouldWalkEveryPartitionOfAKeylessPartitionedTable() {
        db.exec("""
                CREATE TABLE logs (day int NOT NULL, msg text) PARTITION BY RANGE (day);
                CREATE TABLE logs_early PARTITION OF logs FOR VALUES FROM (0) TO (10);
                CREATE TABLE logs_late PARTITION OF logs FOR VALUES FROM (10) TO (100);
                INSERT INTO logs SELECT g % 10, 'm' || g FROM generate_series(1, 500) g;
                INSERT INTO logs SELECT 10 + g % 90, 'm' || g FROM generate_series(1, 3000) g;
                """);
        Engine engine = db.engine(
                EngineOptions.builder().backfill(false).maxRowsPerSecond(5_000).build());
        engine.start(TestDb.migration("0001_log_level", """
                  - add_column: { table: logs, column: { name: level, type: text, default: "'info'" } }
                """, null));
        // Rows that change partition before the backfill reaches them.
        db.exec("UPDATE logs SET day = day + 50 WHERE day < 3");

        assertThat(engine.backfill(null).phase()).isEqualTo(Phase.BACKFILLED);

        assertThat(db.value("SELECT count(*) FROM logs WHERE level IS DISTINCT FROM 'info'"))
                .isEqualTo("0");
        assertThat(db.value("SELECT count(*) FROM logs")).isEqualTo("3500");
        assertThat(db.rows(
                        "SELECT DISTINCT tgenabled FROM pg_trigger WHERE tgname = '" + BackfillOnUpdate.TRIGGER + "'"))
                .as("stopped on the parent and every partition")
                .containsExactly(List.of("D"));
        engine.complete(TransitionRequest.active());
        assertThat(db.value("SELECT count(*) FROM pg_trigger WHERE tgname = '" + BackfillOnUpdate.TRIGGER + "'"))
                .isEqualTo("0");
    }
}
