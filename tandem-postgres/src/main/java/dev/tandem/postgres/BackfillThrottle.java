package dev.tandem.postgres;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;

/**
 * Holds a backfill to at most {@code rowsPerSecond} rows over any window of one second or more, and
 * over the whole run, counting each batch's rows anywhere between its start and its commit.
 *
 * <p>A batch is paid for before it starts: it may start only {@code rows / rate} after the previous
 * batch started (so the last batch is throttled too, and a run of N rows takes at least N / rate),
 * and only once, for every batch committed within the last second, the rows from that batch to this
 * one fit the time between that commit and this start (or one second, if that is less). Older
 * batches need no check: the spacing rule carries their bound forward. Idle time earns no credit,
 * so there is no burst after a pause. Batches are capped at a twentieth of a second's worth of rows
 * so that the rows spread over the second; with batches that short the run holds about 95% of the
 * limit, the price of counting each batch at both of its ends.
 *
 * <p>Time is injected, so tests advance it instead of sleeping. Not thread-safe: one per backfill
 * run, on the backfill's thread.
 */
final class BackfillThrottle {
    private static final long SECOND = 1_000_000_000L;

    /** Sleeps for the given nanoseconds; a test's sleeper advances its clock instead. */
    interface Sleeper {
        void sleep(long nanos) throws InterruptedException;
    }

    private record Batch(long committedAt, long rows) {}

    private final long rowsPerSecond;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;
    /** Batches committed within a second of the last start, oldest first. */
    private final Deque<Batch> recent = new ArrayDeque<>();

    private long lastStart;

    BackfillThrottle(long rowsPerSecond, LongSupplier nanoTime, Sleeper sleeper) {
        this.rowsPerSecond = rowsPerSecond;
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
        this.lastStart = nanoTime.getAsLong();
    }

    static BackfillThrottle create(long rowsPerSecond) {
        return new BackfillThrottle(
                rowsPerSecond, System::nanoTime, nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000)));
    }

    boolean limited() {
        return rowsPerSecond > 0;
    }

    /** The largest batch the limit allows; {@code Integer.MAX_VALUE} without one. */
    int maxBatch() {
        return limited() ? (int) Math.max(1, Math.min(Integer.MAX_VALUE, rowsPerSecond / 20)) : Integer.MAX_VALUE;
    }

    /** Waits until a batch of at most {@code rows} rows may start, and records that it starts now. */
    void awaitStart(long rows) throws InterruptedException {
        if (!limited()) {
            return;
        }
        long earliest = lastStart + nanosFor(rows);
        long sum = rows;
        for (var it = recent.descendingIterator(); it.hasNext(); ) {
            Batch b = it.next();
            sum += b.rows();
            if (sum > rowsPerSecond) {
                earliest = Math.max(earliest, b.committedAt() + nanosFor(sum));
            }
        }
        for (long now = nanoTime.getAsLong(); now < earliest; now = nanoTime.getAsLong()) {
            sleeper.sleep(earliest - now);
        }
        lastStart = nanoTime.getAsLong();
        while (!recent.isEmpty() && recent.peekFirst().committedAt() <= lastStart - SECOND) {
            recent.removeFirst();
        }
    }

    /** Records that the batch that started last committed {@code rows} rows (at most what it asked for). */
    void committed(long rows) {
        if (limited()) {
            recent.addLast(new Batch(nanoTime.getAsLong(), rows));
        }
    }

    private long nanosFor(long rows) {
        return (long) Math.ceil(rows * (double) SECOND / rowsPerSecond);
    }
}
