package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import dev.tandem.testkit.DedicatedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database restarts (a real fast shutdown and start, on a server of this test's own) in the
 * middle of a backfill while the application writes. The backfill fails at once with a connection
 * error instead of hanging, status shows it INTERRUPTED, and a resume finishes it with every row
 * right: none skipped, none counted twice.
 */
class BackfillRestartIT {
    private static final int ROWS = 20_000;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final AtomicBoolean stopWriters = new AtomicBoolean();

    @Test
    void shouldFailCleanlyWhenTheDatabaseRestartsMidBackfillAndResumeWithEveryRowRight() throws Exception {
        try (DedicatedPostgres server = DedicatedPostgres.start(dir.resolve("data"))) {
            TestDb db = new TestDb(server.newDatabase("restart"));
            db.exec("CREATE TABLE items (id int PRIMARY KEY, qty int NOT NULL, note text);"
                    + " INSERT INTO items SELECT g, g % 50, 'n' || g FROM generate_series(1, " + ROWS + ") g");
            Engine throttled = db.engine(EngineOptions.builder()
                    .backfill(false)
                    .maxRowsPerSecond(5_000)
                    .build());
            throttled.start(TestDb.migration("0001_twice", """
                      - add_column: { table: items, column: { name: twice, type: int }, up: qty * 2 + 1 }
                    """, null));

            CompletableFuture<MigrationStatus> backfill =
                    CompletableFuture.supplyAsync(() -> throttled.backfill(null), TestDb.THREADS);
            CompletableFuture<Long> writer = writeUntilItFails(db, 1);
            awaitRowsDone(db, ROWS / 5);

            server.restart();

            Throwable failed = catchThrowable(() -> backfill.get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
            assertThat(failed).as("the backfill ends, rather than hangs").isInstanceOf(ExecutionException.class);
            assertThat(failed.getCause()).isInstanceOf(TandemException.class);
            TandemException lost = (TandemException) failed.getCause();
            assertThat(lost.code()).isEqualTo(ErrorCode.CONNECTION_FAILED);
            assertThat(lost.code().exitCode()).isEqualTo(3);
            assertThat(lost.getMessage())
                    .contains("lost the connection to the database during the backfill of public.items")
                    .contains("`tandem backfill --resume` goes on from there");
            assertThat(writer.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isPositive();

            Engine engine = db.engine(EngineOptions.builder().backfill(false).build());
            BackfillProgress interrupted = engine.status(null).orElseThrow().backfill();
            assertThat(interrupted.state()).isEqualTo(BackfillProgress.State.INTERRUPTED);
            assertThat(interrupted.rowsDone()).isBetween((long) ROWS / 5, ROWS - 1L);

            // Resume while the application writes again (the new shape is served only after the backfill).
            CompletableFuture<Long> oldWriter = writeUntilItFails(db, 2);
            MigrationStatus resumed = engine.backfill(null);
            // Then both shapes write at once.
            CompletableFuture<Void> newWriter = CompletableFuture.runAsync(
                    () -> {
                        try (Connection c = db.newShape("0001_twice");
                                PreparedStatement ps =
                                        c.prepareStatement("UPDATE items SET note = 'new' WHERE id = ?")) {
                            for (int id = ROWS; id > 0; id -= 7) {
                                ps.setInt(1, id);
                                updateRetryingConflicts(ps);
                            }
                        } catch (SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    },
                    TestDb.THREADS);
            newWriter.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            stopWriters.set(true);
            assertThat(oldWriter.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isPositive();

            assertThat(resumed.phase()).isEqualTo(Phase.BACKFILLED);
            assertThat(resumed.backfill().state()).isEqualTo(BackfillProgress.State.DONE);
            assertThat(db.value("SELECT count(*) FROM items WHERE twice IS DISTINCT FROM qty * 2 + 1"))
                    .isEqualTo("0");
            assertThat(db.value("SELECT count(*) FROM items")).isEqualTo(String.valueOf(ROWS));
            assertThat(db.value("SELECT rows_done FROM tandem.backfill")).isEqualTo(String.valueOf(ROWS));
        }
    }

    /**
     * A new-shape update of a row the old-shape writer changed after the statement read it asks to be
     * retried (SQLSTATE 40001), as the README says; the application retries.
     */
    private static void updateRetryingConflicts(PreparedStatement ps) throws SQLException {
        while (true) {
            try {
                ps.executeUpdate();
                return;
            } catch (SQLException e) {
                if (!"40001".equals(e.getSQLState())) {
                    throw e;
                }
            }
        }
    }

    /** Old-shape updates of qty, spread over the table, until asked to stop or the connection fails. */
    private CompletableFuture<Long> writeUntilItFails(TestDb db, int step) {
        AtomicLong writes = new AtomicLong();
        return CompletableFuture.supplyAsync(
                () -> {
                    try (Connection c = db.old();
                            PreparedStatement ps = c.prepareStatement("UPDATE items SET qty = qty + 1 WHERE id = ?")) {
                        for (int id = 1; !stopWriters.get(); id = (id + 997 * step) % ROWS + 1) {
                            ps.setInt(1, id);
                            ps.executeUpdate();
                            writes.incrementAndGet();
                        }
                    } catch (SQLException e) {
                        // The restart ends this writer's session; that is what the test does.
                    }
                    return writes.get();
                },
                TestDb.THREADS);
    }

    private static void awaitRowsDone(TestDb db, long rows) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (Long.parseLong(db.value("SELECT rows_done FROM tandem.backfill")) < rows) {
            assertThat(System.nanoTime()).as("the backfill makes progress").isLessThan(deadline);
            Thread.sleep(20); // between polls of the condition, not a wait for it
        }
    }
}
