package dev.tandem.postgres;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Brings the rows that existed when {@code start} began into the new shape, in ranges of the table's
 * row key ({@link BackfillKeyRanges}) or, without one, of ctid ({@link BackfillBlockRanges}), one
 * transaction per batch. The checkpoint (the last key done, or the tid the next batch begins at)
 * commits with each batch, so a killed process resumes exactly where it stopped. A batch only sets
 * new columns that are still NULL, so rows written through either shape since start (already in sync
 * by the triggers, {@link BackfillOnUpdate} among them) keep their values, and running a batch twice
 * changes nothing.
 *
 * <p>A batch that fails on its data is explained ({@link BatchFailure}); a lost connection ends the
 * run with {@link ErrorCode#CONNECTION_FAILED}, the checkpoint intact. The table's own triggers are
 * skipped or fired as {@link EngineOptions#backfillTriggers()} says ({@link UserTriggers}), and
 * {@link BackfillThrottle} holds {@link EngineOptions#maxRowsPerSecond()}.
 */
final class Backfill {
    private static final int FIRST_BATCH = 1_000;
    private static final int MIN_BATCH = 100;
    private static final int MAX_BATCH = 200_000;

    private final Connection c;
    private final javax.sql.DataSource dataSource;
    private final EngineOptions options;
    private final String migrationId;
    /** One throttle for the whole run, so the limit holds across tables too. */
    private final BackfillThrottle throttle;

    Backfill(Connection c, javax.sql.DataSource dataSource, EngineOptions options, String migrationId) {
        this.c = c;
        this.dataSource = dataSource;
        this.options = options;
        this.migrationId = migrationId;
        this.throttle = BackfillThrottle.create(options.maxRowsPerSecond());
    }

    /** The batch UPDATE, as {@code plan} shows it. */
    static String batchSql(Recipe.BackfillSpec spec) {
        return BackfillSql.update(spec)
                + (BackfillSql.byCtid(spec)
                        ? "\n-- batches of about 100 ms each, in ctid block ranges (TID range scans), from block 0 to"
                                + " the last block the table had at start"
                        : "\n-- batches of about 100 ms each, from the first key to the highest key that existed at"
                                + " start");
    }

    /**
     * Runs every table's backfill to the end, from its checkpoint. Returns false when it stopped early
     * because a rollback asked it to. The caller holds the migration's lock.
     */
    boolean run(List<Recipe.BackfillSpec> specs) throws SQLException {
        BackfillState.ensureFailureColumn(c);
        // Every table's triggers are checked before the first batch of any, so a refusal changes nothing.
        Map<String, BatchSettings> settings = new HashMap<>();
        for (Recipe.BackfillSpec spec : specs) {
            if (!checkpoint(spec.table()).finished()) {
                settings.put(
                        spec.table(),
                        new BatchSettings(options.lockTimeout(), UserTriggers.skipInBatches(c, spec, options)));
            }
        }
        try {
            for (Recipe.BackfillSpec spec : specs) {
                if (settings.containsKey(spec.table())) {
                    runTable(spec, settings.get(spec.table()));
                }
            }
            return true;
        } catch (StopRequested e) {
            options.listener().info("backfill of " + migrationId + " stopped: the migration is being rolled back");
            return false;
        }
    }

    /** A rollback asked the backfill to stop. */
    private static final class StopRequested extends RuntimeException {
        StopRequested() {
            super(null, null, false, false);
        }
    }

    private record Checkpoint(String[] last, String[] high, long done, long total, boolean finished) {}

    private Checkpoint checkpoint(String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT last_key, high_key, rows_done, rows_total, done FROM tandem.backfill WHERE migration_id = ? AND table_name = ?")) {
            ps.setString(1, migrationId);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new TandemException(
                            ErrorCode.DATABASE_ERROR, "no backfill checkpoint for " + table + " of " + migrationId);
                }
                return new Checkpoint(
                        strings(rs.getArray(1)),
                        strings(rs.getArray(2)),
                        rs.getLong(3),
                        rs.getLong(4),
                        rs.getBoolean(5));
            }
        }
    }

    static String[] strings(Array a) throws SQLException {
        return a == null ? null : (String[]) a.getArray();
    }

    /** Whether {@code e} means the session is gone (the server stopped, the network failed). */
    static boolean connectionLost(Connection c, SQLException e) throws SQLException {
        return Jdbc.failure("", e).code() == ErrorCode.CONNECTION_FAILED || c.isClosed();
    }

    /** The key range a batch covers, for messages when it fails. */
    private record Range(String[] from, String[] to) {}

    private void runTable(Recipe.BackfillSpec spec, BatchSettings settings) throws SQLException {
        Checkpoint cp = checkpoint(spec.table());
        if (cp.finished()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE tandem.backfill SET runner_pid = pg_backend_pid(), started_at = coalesce(started_at, now()),"
                        + " updated_at = now(), failure = NULL WHERE migration_id = ? AND table_name = ?")) {
            ps.setString(1, migrationId);
            ps.setString(2, spec.table());
            ps.executeUpdate();
        }
        BackfillRanges ranges = BackfillRanges.of(c, spec, cp.high(), cp.total());
        String updateSql = BackfillSql.update(spec);

        String[] last = cp.last();
        long done = cp.done();
        int batch = FIRST_BATCH;
        long startNanos = System.nanoTime();
        long doneAtStart = done;
        Range range = null;
        c.setAutoCommit(false);
        try (LockBrake brake = LockBrake.watch(dataSource, c)) {
            while (true) {
                range = null;
                if (waitWhilePaused(spec, done, cp.total())) {
                    startNanos = System.nanoTime();
                    doneAtStart = done;
                }
                settings.begin(c);
                // Under a row limit, batches stay short so the rows spread over each second.
                BackfillRanges.Range next = ranges.next(last, batch, throttle.maxBatch());
                if (next == null) {
                    finish(spec, last, done);
                    c.commit();
                    return;
                }
                // The key queries end their transaction, so the throttle never waits inside one.
                c.commit();
                range = new Range(next.from(), next.to());
                awaitThrottle(next.rows());
                long batchStart = System.nanoTime();
                settings.begin(c);
                try (PreparedStatement ps = c.prepareStatement(updateSql)) {
                    BackfillSql.bind(ps, BackfillSql.bind(ps, 1, spec, next.from()), spec, next.to());
                    ps.executeUpdate();
                } catch (SQLException e) {
                    if (connectionLost(c, e)) {
                        throw e;
                    }
                    c.rollback();
                    if (Jdbc.isLockTimeout(e)) {
                        // Rows of this batch are locked by a long transaction; try a smaller batch after it.
                        batch = Math.max(MIN_BATCH, batch / 4);
                        options.listener()
                                .info("backfill of " + spec.table() + " waited on a row lock for "
                                        + options.lockTimeout().toMillis() + " ms; retrying with batches of " + batch
                                        + " rows");
                        sleep(options.lockTimeout());
                        continue;
                    }
                    if (Jdbc.failure("", e).code() == ErrorCode.SERIALIZATION_FAILURE) {
                        // A deadlock with an application transaction: nothing wrong with the rows.
                        batch = Math.max(MIN_BATCH, batch / 4);
                        options.listener()
                                .info("backfill of " + spec.table() + " was chosen as a deadlock victim; retrying"
                                        + " with batches of " + batch + " rows");
                        sleep(options.batchTarget());
                        continue;
                    }
                    if (BatchFailure.isAboutTheRows(e)) {
                        throw BatchFailure.explain(c, migrationId, spec, settings, next.from(), next.to(), e);
                    }
                    throw e;
                }
                if (!ranges.stillValid()) {
                    // The table was rewritten under the walk: it starts again, from its new beginning.
                    last = null;
                    done = 0;
                    restartCheckpoint(spec, ranges.high());
                    c.commit();
                    throttle.committed(next.rows());
                    options.listener()
                            .info("backfill of " + spec.table() + ": the table was rewritten (VACUUM FULL, CLUSTER or"
                                    + " the like) while it ran; walking it again from its first block, where rows"
                                    + " already done are only read");
                    continue;
                }
                done += next.progress();
                last = next.checkpoint();
                boolean finished = next.last();
                saveCheckpoint(spec, last, done, finished);
                c.commit();
                throttle.committed(next.rows());
                double seconds = (System.nanoTime() - startNanos) / 1e9;
                double rate = seconds > 0 ? (done - doneAtStart) / seconds : 0;
                Duration eta =
                        rate > 0 ? Duration.ofMillis((long) (Math.max(0, cp.total() - done) / rate * 1000)) : null;
                options.listener()
                        .backfillProgress(new BackfillProgress(
                                spec.table(),
                                done,
                                Math.max(done, cp.total()),
                                rate,
                                eta,
                                finished ? BackfillProgress.State.DONE : BackfillProgress.State.RUNNING));
                if (finished) {
                    return;
                }
                batch = nextBatchSize(batch, System.nanoTime() - batchStart);
                if (brake.tripped()) {
                    // Another session waited on this batch's row locks: smaller batches, and room to pass.
                    batch = Math.max(MIN_BATCH, batch / 4);
                    if (brake.trips() % 50 == 1) {
                        options.listener()
                                .info("backfill of " + spec.table() + " braked: another session waited on its row locks"
                                        + " (" + brake.trips() + " times so far); batches of " + batch + " rows");
                    }
                    sleep(options.batchTarget());
                }
            }
        } catch (SQLException e) {
            if (connectionLost(c, e)) {
                throw connectionFailure(spec, range, e);
            }
            throw e;
        } finally {
            // On a lost connection there is nothing to restore, and the failure being thrown says why.
            if (!c.isClosed()) {
                c.setAutoCommit(true);
            }
        }
    }

    private TandemException connectionFailure(Recipe.BackfillSpec spec, Range range, SQLException e) {
        String state = e.getSQLState() == null ? "" : " [SQLSTATE " + e.getSQLState() + "]";
        return new TandemException(
                ErrorCode.CONNECTION_FAILED,
                "lost the connection to the database during the backfill of " + spec.schema() + "." + spec.table()
                        + (range == null
                                ? ""
                                : " (batch of keys " + BackfillSql.describeRange(spec, range.from(), range.to())
                                        + ", not committed)")
                        + ": " + (e.getMessage() == null ? "" : e.getMessage().strip()) + state
                        + ". Every batch before it is committed with its checkpoint; once the database is back,"
                        + " `tandem backfill --resume` goes on from there (`tandem status` shows it as INTERRUPTED)",
                e);
    }

    private void awaitThrottle(long rows) {
        try {
            throttle.awaitStart(rows);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted();
        }
    }

    /** Aims each batch at the target duration, changing by at most a factor of two at a time. */
    int nextBatchSize(int batch, long tookNanos) {
        double target = options.batchTarget().toNanos();
        double factor = Math.max(0.5, Math.min(2.0, target / Math.max(1, tookNanos)));
        return (int) Math.max(MIN_BATCH, Math.min(MAX_BATCH, batch * factor));
    }

    /** Returns true when it waited, so the rate is measured afresh. */
    private boolean waitWhilePaused(Recipe.BackfillSpec spec, long done, long total) throws SQLException {
        boolean waited = false;
        while (paused()) {
            if (!waited) {
                options.listener()
                        .backfillProgress(new BackfillProgress(
                                spec.table(), done, total, 0, null, BackfillProgress.State.PAUSED));
                options.listener().info("backfill paused; `tandem backfill --resume` goes on");
            }
            waited = true;
            sleep(Duration.ofMillis(250));
        }
        return waited;
    }

    /** Whether the backfill is paused; throws {@link StopRequested} when a rollback wants it gone. */
    private boolean paused() throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT bool_or(paused), bool_or(stop_requested) FROM tandem.backfill WHERE migration_id = ?")) {
            ps.setString(1, migrationId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                boolean p = rs.getBoolean(1);
                boolean stop = rs.getBoolean(2);
                c.commit();
                if (stop) {
                    throw new StopRequested();
                }
                return p;
            }
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(Math.max(1, d.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted();
        }
    }

    private static TandemException interrupted() {
        return new TandemException(
                ErrorCode.DATABASE_ERROR,
                "backfill interrupted; `tandem backfill --resume` goes on from the checkpoint");
    }

    private void saveCheckpoint(Recipe.BackfillSpec spec, String[] last, long done, boolean finished)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE tandem.backfill SET last_key = ?, rows_done = ?, done = ?, updated_at = now() WHERE migration_id = ? AND table_name = ?")) {
            ps.setArray(1, c.createArrayOf("text", last));
            ps.setLong(2, done);
            ps.setBoolean(3, finished);
            ps.setString(4, migrationId);
            ps.setString(5, spec.table());
            ps.executeUpdate();
        }
    }

    /** Records a walk that starts again: a new end, no checkpoint, nothing done. */
    private void restartCheckpoint(Recipe.BackfillSpec spec, String[] high) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE tandem.backfill SET high_key = ?, last_key = NULL, rows_done = 0, updated_at = now()"
                        + " WHERE migration_id = ? AND table_name = ?")) {
            ps.setArray(1, c.createArrayOf("text", high));
            ps.setString(2, migrationId);
            ps.setString(3, spec.table());
            ps.executeUpdate();
        }
    }

    private void finish(Recipe.BackfillSpec spec, String[] last, long done) throws SQLException {
        saveCheckpoint(spec, last == null ? new String[0] : last, done, true);
        options.listener()
                .backfillProgress(
                        new BackfillProgress(spec.table(), done, done, 0, Duration.ZERO, BackfillProgress.State.DONE));
    }
}
