package dev.tandem.postgres;

import static dev.tandem.postgres.EdgeCaseMigration.differences;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Phase;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every edge value of {@link dev.tandem.testkit.EdgeCaseRows} survives a migration exactly: in the
 * old shape and the new one while the migration is active, after complete, and after rollback. Floats
 * are compared by their bits (NaN and -0 included), timestamptz in UTC, the rest as text.
 *
 * <p>The rows are written three ways: before start (the backfill carries them), by an old-shape
 * writer while the backfill runs, and by a new-shape writer once the new shape is served; both insert
 * every edge row again and
 * set the changed columns of existing rows to other edge values (the sync triggers carry those). A
 * control copy in schema {@code control} receives the same writes in the old shape with no migration;
 * the table must equal it, and the new shape must equal it as the migration converts it.
 */
@ExtendWith(PostgresExtension.class)
class EdgeCaseDataIT {
    /** A thread per task: the backfill and both writers really run at once. */
    private static final Executor THREADS = r -> Thread.ofPlatform().daemon().start(r);

    EmbeddedPostgres.Database database;
    TestDb db;
    final EdgeCaseMigration edge = new EdgeCaseMigration();

    @BeforeEach
    void createBothCopies() throws SQLException {
        db = new TestDb(database);
        try (Connection c = db.old();
                Statement s = c.createStatement()) {
            s.execute(edge.edge.createTableSql());
            edge.edge.insert(c, edge.edge.rows());
            s.execute("CREATE SCHEMA control; SET search_path = control");
            s.execute(edge.edge.createTableSql());
            edge.edge.insert(c, edge.edge.rows());
            s.execute("ANALYZE public.edge");
        }
    }

    /** Starts the migration, then backfills while both writers write; returns at BACKFILLED. */
    private Engine startAndBackfillWhileWriting() {
        // Throttled so that the backfill is still running when the writers write.
        Engine engine = db.engine(
                EngineOptions.builder().backfill(false).maxRowsPerSecond(500).build());
        assertThat(engine.start(edge.migration()).phase()).isEqualTo(Phase.EXPANDED);
        CompletableFuture<MigrationStatus> backfill =
                CompletableFuture.supplyAsync(() -> engine.backfill(null), THREADS);
        CompletableFuture<Void> oldWriter = CompletableFuture.runAsync(() -> run("", edge.oldWrites()), THREADS);
        oldWriter.join();
        assertThat(backfill.join().phase()).isEqualTo(Phase.BACKFILLED);
        // The new shape is served once the backfill is done: the new-shape writer writes then.
        CompletableFuture.runAsync(
                        () -> run("SET search_path = public_" + EdgeCaseMigration.ID + ", public", edge.newWrites()),
                        THREADS)
                .join();
        run("SET search_path = control", edge.oldWrites());
        run("SET search_path = control", edge.newWritesInOldShape());
        return engine;
    }

    private void run(String setup, List<String> statements) {
        try (Connection c = db.old();
                Statement s = c.createStatement()) {
            if (!setup.isEmpty()) {
                s.execute(setup);
            }
            for (String sql : statements) {
                s.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<List<String>> newShape(String sql) throws SQLException {
        try (Connection c = db.newShape(EdgeCaseMigration.ID)) {
            return TestDb.rows(c, sql);
        }
    }

    @Test
    void shouldKeepEveryEdgeValueExactInBothShapesWhileActiveAndAfterComplete() throws SQLException {
        Engine engine = startAndBackfillWhileWriting();

        List<List<String>> control = db.rows(edge.oldShapeExact("control.edge"));
        List<List<String>> expectedNew = db.rows(edge.expectedNewShapeExact("control.edge"));
        assertThat(control).hasSize(3 * edge.edge.rows().size());
        assertThat(differences(db.rows(edge.oldShapeExact("public.edge")), control, edge.oldColumns()))
                .as("old shape against the control copy")
                .isEmpty();
        assertThat(differences(newShape(edge.newShapeExact("edge")), expectedNew, edge.newColumns()))
                .as("new shape against the control copy, converted")
                .isEmpty();

        engine.complete(TransitionRequest.active());

        assertThat(differences(db.rows(edge.newShapeExact("public.edge")), expectedNew, edge.newColumns()))
                .as("the table after complete against the control copy, converted")
                .isEmpty();
        assertThat(db.rows("""
                SELECT attname || ' ' || format_type(atttypid, atttypmod) FROM pg_attribute
                WHERE attrelid = 'public.edge'::regclass
                  AND attname IN ('c_integer', 'c_real', 'c_text', 'c_timestamp', 'c_float8', 'c_numeric_copy')
                ORDER BY attname"""))
                .extracting(List::getFirst)
                .containsExactly(
                        "c_float8 double precision",
                        "c_integer bigint",
                        "c_numeric_copy numeric",
                        "c_real double precision",
                        "c_text character varying(" + edge.textLength + ")",
                        "c_timestamp timestamp with time zone");
    }

    @Test
    void shouldLeaveEveryEdgeValueAndTheTableExactlyAsBeforeAfterRollback() {
        String before = db.definition("public.edge");
        Engine engine = startAndBackfillWhileWriting();

        engine.rollback(TransitionRequest.active());

        assertThat(db.definition("public.edge")).isEqualTo(before);
        assertThat(differences(
                        db.rows(edge.oldShapeExact("public.edge")),
                        db.rows(edge.oldShapeExact("control.edge")),
                        edge.oldColumns()))
                .as("the table after rollback against the control copy")
                .isEmpty();
    }
}
