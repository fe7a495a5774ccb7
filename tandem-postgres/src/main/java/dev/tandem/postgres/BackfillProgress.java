package dev.tandem.postgres;

import java.time.Duration;

/**
 * Progress of a migration's backfill. {@code rowsTotal} counts the rows that existed when start began
 * (an estimate for large tables). {@code eta} is null when unknown.
 */
public record BackfillProgress(
        String table, long rowsDone, long rowsTotal, double rowsPerSecond, Duration eta, State state) {

    public enum State {
        /** No rows need a backfill, or it has not begun. */
        NOT_STARTED,
        RUNNING,
        PAUSED,
        /** A backfill process stopped without finishing (crash, kill); resume with {@code backfill --resume}. */
        INTERRUPTED,
        DONE
    }

    public double fraction() {
        return rowsTotal <= 0 ? 1.0 : Math.min(1.0, (double) rowsDone / rowsTotal);
    }
}
