package dev.tandem.bench;

import dev.tandem.bench.RelayWorkload.Change;
import dev.tandem.bench.RelayWorkload.Delete;
import dev.tandem.bench.RelayWorkload.Insert;
import dev.tandem.bench.RelayWorkload.Transaction;
import dev.tandem.bench.RelayWorkload.Update;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes a workload's transactions to the source's {@code bench_orders} on one connection, each
 * change its own statement (as an application writes), sent as one batch per kind of change. Tells
 * the wall-clock times at which each COMMIT was sent and returned: the start of every latency the
 * benchmarks report.
 *
 * <p>Not thread-safe: one writer thread. Close it to release the connection.
 */
final class WorkloadWriter implements AutoCloseable {
    /** The {@code updated_at} of change number 0; each change adds a millisecond. */
    static final OffsetDateTime EPOCH = OffsetDateTime.of(2025, 6, 1, 0, 0, 0, 0, ZoneOffset.UTC);

    /**
     * What a run of the writer did.
     *
     * @param commitP50Ms the median time the COMMIT call took (the WAL flush, with fsync on)
     * @param commitP99Ms its 99th percentile
     */
    record Written(long transactions, long changes, double seconds, double commitP50Ms, double commitP99Ms) {
        double changesPerSecond() {
            return changes / seconds;
        }
    }

    /** Told when each transaction committed, in microseconds since the epoch. */
    interface CommitLog {
        CommitLog NONE = (tx, sent, returned) -> {};

        /**
         * @param sentMicros when the writer sent COMMIT: what {@code clock_timestamp()} would read as the
         *     transaction's last statement, and the latest time its changes can be said to be made
         * @param returnedMicros when COMMIT returned (after the WAL flush): visible on the source by then
         */
        void committed(Transaction tx, long sentMicros, long returnedMicros);
    }

    private final Clock clock;
    private final Connection connection;
    private final PreparedStatement insert;
    private final PreparedStatement update;
    private final PreparedStatement delete;
    private final PreparedStatement fence;
    private long fences;
    // The nanoseconds each COMMIT call took in the current run.
    private long[] commits = new long[1024];
    private int commitCount;

    private WorkloadWriter(Store source, Clock clock) throws SQLException {
        this.clock = clock;
        this.connection = source.connect("bench-writer");
        connection.setAutoCommit(false);
        this.insert = connection.prepareStatement(OrdersTable.INSERT);
        this.update = connection.prepareStatement(OrdersTable.UPDATE);
        this.delete = connection.prepareStatement(OrdersTable.DELETE);
        this.fence = connection.prepareStatement(OrdersTable.FENCE);
    }

    static WorkloadWriter open(Store source, Clock clock) {
        try {
            return new WorkloadWriter(source, clock);
        } catch (SQLException e) {
            throw new IllegalStateException("could not connect the writer to " + source, e);
        }
    }

    /** Writes every transaction left in the workload, as fast as the source takes them. */
    Written writeAll(RelayWorkload workload, CommitLog log) {
        long t = System.nanoTime();
        long transactions = 0;
        long changes = 0;
        commitCount = 0;
        while (workload.hasNext()) {
            Transaction tx = workload.next();
            write(tx, log);
            transactions++;
            changes += tx.changes().size();
        }
        return written(transactions, changes, t);
    }

    /**
     * Writes every transaction left in the workload at a steady {@code changesPerSecond}: transaction
     * {@code k} starts when {@code k} transactions' worth of changes are due. A writer that falls
     * behind catches up at once, and the achieved rate says so.
     */
    Written writePaced(RelayWorkload workload, double changesPerSecond, CommitLog log) {
        long start = System.nanoTime();
        long transactions = 0;
        long changes = 0;
        commitCount = 0;
        while (workload.hasNext()) {
            long due = start + (long) (changes * 1e9 / changesPerSecond);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            Transaction tx = workload.next();
            write(tx, log);
            transactions++;
            changes += tx.changes().size();
        }
        return written(transactions, changes, start);
    }

    private Written written(long transactions, long changes, long start) {
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] sorted = Arrays.copyOf(commits, commitCount);
        Arrays.sort(sorted);
        return new Written(
                transactions,
                changes,
                seconds,
                Latency.percentile(sorted, commitCount, 0.50) / 1e6,
                Latency.percentile(sorted, commitCount, 0.99) / 1e6);
    }

    /** Writes and commits one transaction, and tells the log when. */
    void write(Transaction tx, CommitLog log) {
        try {
            boolean inserts = false;
            boolean updates = false;
            boolean deletes = false;
            for (Change change : tx.changes()) {
                switch (change) {
                    case Delete d -> {
                        delete.setLong(1, d.id());
                        delete.addBatch();
                        deletes = true;
                    }
                    case Update u -> {
                        update.setBigDecimal(1, BigDecimal.valueOf(u.totalCents(), 2));
                        update.setString(2, u.status());
                        update.setString(3, u.note());
                        update.setLong(4, u.changeNo());
                        update.setObject(5, EPOCH.plusNanos(u.changeNo() * 1_000_000));
                        update.setLong(6, u.id());
                        update.addBatch();
                        updates = true;
                    }
                    case Insert i -> {
                        insert.setLong(1, i.id());
                        insert.setLong(2, i.customerId());
                        insert.setBigDecimal(3, BigDecimal.valueOf(i.totalCents(), 2));
                        insert.setString(4, i.status());
                        insert.setString(5, i.note());
                        insert.setLong(6, i.changeNo());
                        insert.setObject(7, EPOCH.plusNanos(i.changeNo() * 1_000_000));
                        insert.addBatch();
                        inserts = true;
                    }
                }
            }
            // A transaction never touches a row twice, so the kinds may go in any order.
            if (deletes) {
                delete.executeBatch();
            }
            if (updates) {
                update.executeBatch();
            }
            if (inserts) {
                insert.executeBatch();
            }
            Instant sent = clock.instant();
            long t = System.nanoTime();
            connection.commit();
            Instant returned = clock.instant();
            if (commitCount == commits.length) {
                commits = Arrays.copyOf(commits, commitCount * 2);
            }
            commits[commitCount++] = System.nanoTime() - t;
            log.committed(tx, micros(sent), micros(returned));
        } catch (SQLException e) {
            throw new IllegalStateException("transaction " + tx.number() + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Moves the fence: the next negative number into row 0's {@code change_no}, in a transaction of its
     * own after everything written so far. Returns the value to wait for.
     */
    long fence() {
        try {
            long value = - ++fences;
            fence.setLong(1, value);
            fence.executeUpdate();
            connection.commit();
            return value;
        } catch (SQLException e) {
            throw new IllegalStateException("could not move the fence: " + e.getMessage(), e);
        }
    }

    static long micros(Instant instant) {
        return TimeUnit.SECONDS.toMicros(instant.getEpochSecond()) + instant.getNano() / 1000;
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            BenchDb.log("could not close the writer's connection: " + e.getMessage());
        }
    }
}
