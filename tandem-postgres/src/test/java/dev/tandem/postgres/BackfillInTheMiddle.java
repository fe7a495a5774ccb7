package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A backfill run in the background that a test stops in the middle: paused (through {@link
 * Engine#pauseBackfill}, as {@code tandem backfill --pause} does) until the test has made its writes,
 * then resumed. The backfill says when it is parked through its listener, so the test never guesses.
 */
final class BackfillInTheMiddle {
    static final Duration DEADLINE = Duration.ofSeconds(90);

    private final TestDb db;
    private final CountDownLatch parked = new CountDownLatch(1);
    final Engine engine;
    private CompletableFuture<MigrationStatus> run;

    /** A backfill held to {@code rowsPerSecond}, so that it is still running when the test steps in. */
    BackfillInTheMiddle(TestDb db, long rowsPerSecond) {
        this.db = db;
        this.engine = db.engine(EngineOptions.builder()
                .backfill(false)
                .maxRowsPerSecond(rowsPerSecond)
                .listener(new EngineListener() {
                    @Override
                    public void backfillProgress(BackfillProgress progress) {
                        if (progress.state() == BackfillProgress.State.PAUSED) {
                            parked.countDown();
                        }
                    }
                })
                .build());
    }

    /** Starts the backfill in the background. */
    BackfillInTheMiddle run() {
        run = CompletableFuture.supplyAsync(() -> engine.backfill(null), TestDb.THREADS);
        return this;
    }

    /** Waits until at least {@code rows} rows are done. */
    void awaitRowsDone(long rows) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (Long.parseLong(db.value("SELECT coalesce(sum(rows_done), 0) FROM tandem.backfill")) < rows) {
            if (run.isDone()) {
                throw new AssertionError("the backfill ended before " + rows + " rows were done: "
                        + run.handle((status, e) -> e == null ? status : e).join());
            }
            assertThat(System.nanoTime()).as("the backfill makes progress").isLessThan(deadline);
            Thread.sleep(20); // between polls of the condition, not a wait for it
        }
    }

    /** Pauses it once {@code rows} rows are done, and returns once it is parked between batches. */
    void pauseAfter(long rows) throws InterruptedException {
        awaitRowsDone(rows);
        engine.pauseBackfill(null, true);
        assertThat(parked.await(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                .as("the backfill parks")
                .isTrue();
    }

    /** Resumes it and waits for the end of the run. */
    MigrationStatus resumeAndFinish() throws Exception {
        engine.pauseBackfill(null, false);
        return finish();
    }

    MigrationStatus finish() throws Exception {
        return run.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    }

    CompletableFuture<MigrationStatus> future() {
        return run;
    }
}
