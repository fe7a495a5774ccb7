package dev.tandem.postgres;

import java.time.Duration;

/**
 * Progress of a migration's backfill. {@code rowsTotal} counts the rows that existed when start began
 * (an estimate for large tables). {@code eta} is null when unknown. {@code failure} is null unless
 * the state is {@link State#FAILED}: then it names the row, the column and expression, and the
 * database's message.
 */
public record BackfillProgress(
        String table, long rowsDone, long rowsTotal, double rowsPerSecond, Duration eta, State state, String failure) {

    public BackfillProgress(
            String table, long rowsDone, long rowsTotal, double rowsPerSecond, Duration eta, State state) {
        this(table, rowsDone, rowsTotal, rowsPerSecond, eta, state, null);
    }

    public enum State {
        /** No rows need a backfill, or it has not begun. */
        NOT_STARTED,
        RUNNING,
        PAUSED,
        /** A backfill process stopped without finishing (crash, kill, lost connection); resume with {@code backfill --resume}. */
        INTERRUPTED,
        /**
         * A batch failed on a row's data (say, a division by zero in {@code up}). Resuming fails the
         * same way until that row's data or the expression is fixed.
         */
        FAILED,
        DONE
    }

    public double fraction() {
        return rowsTotal <= 0 ? 1.0 : Math.min(1.0, (double) rowsDone / rowsTotal);
    }
}
