package dev.tandem.postgres;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * How a backfill cuts its table into batches: key ranges ({@link BackfillKeyRanges}) or, for a table
 * without a row key, ctid ranges ({@link BackfillBlockRanges}). Either way a batch is the rows whose
 * key lies from {@code from} to {@code to}, both included, so one UPDATE ({@link BackfillSql#update})
 * serves both. Not thread-safe: one per table of a backfill run, on the backfill's thread.
 */
sealed interface BackfillRanges permits BackfillKeyRanges, BackfillBlockRanges {

    /**
     * One batch: its key range, how many rows it holds (counted before it runs, for the throttle), how
     * far it takes the walk in rows ({@code progress}, for {@code rows_done}), whether it is the last,
     * and the checkpoint to record once it commits.
     */
    record Range(String[] from, String[] to, long rows, long progress, boolean last, String[] checkpoint) {}

    /**
     * The batch after checkpoint {@code last} (null: the first batch), of about {@code rows} rows and at
     * most {@code cap} where the table allows; null when no row is left. Queries in the caller's
     * transaction.
     */
    Range next(String[] last, int rows, int cap) throws SQLException;

    /**
     * Called in a batch's transaction, after its UPDATE: false when the walk so far no longer counts
     * and must start again from the beginning, up to the new {@link #high()}.
     */
    boolean stillValid() throws SQLException;

    /** Where the walk ends, as recorded in {@code tandem.backfill.high_key}. */
    String[] high();

    static BackfillRanges of(Connection c, Recipe.BackfillSpec spec, String[] high, long rowsTotal) {
        return BackfillSql.byCtid(spec)
                ? new BackfillBlockRanges(c, spec, high, rowsTotal)
                : new BackfillKeyRanges(c, spec, high);
    }
}
