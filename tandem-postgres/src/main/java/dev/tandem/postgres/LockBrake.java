package dev.tandem.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * Watches, from its own connection, whether any other session waits on a lock held by the backfill's
 * backend while a batch runs. When one does, the backfill brakes: smaller batches and a pause, so it
 * never builds a lock queue. Samples every 20 ms; a daemon thread, stopped by {@link #close()}.
 */
final class LockBrake implements AutoCloseable {
    private static final Duration SAMPLE = Duration.ofMillis(20);
    private static final String WAITERS = """
            SELECT count(*) FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND pid <> ? AND ? = ANY (pg_blocking_pids(pid))""";

    private final AtomicBoolean tripped = new AtomicBoolean();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger trips = new AtomicInteger();
    private final Thread thread;

    private LockBrake(Connection watcher, int backendPid) {
        thread = Thread.ofPlatform().daemon().name("tandem-lock-brake").start(() -> watch(watcher, backendPid));
    }

    /** Starts watching the backend of {@code watched}; returns a brake that never trips if it cannot connect. */
    static LockBrake watch(DataSource dataSource, Connection watched) {
        try {
            int pid;
            try (PreparedStatement ps = watched.prepareStatement("SELECT pg_backend_pid()");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                pid = rs.getInt(1);
            }
            return new LockBrake(dataSource.getConnection(), pid);
        } catch (SQLException e) {
            return new LockBrake(null, 0);
        }
    }

    private void watch(Connection c, int pid) {
        if (c == null) {
            return;
        }
        try (c;
                PreparedStatement ps = c.prepareStatement(WAITERS)) {
            ps.setInt(1, pid);
            ps.setInt(2, pid);
            while (running.get()) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        tripped.set(true);
                    }
                }
                Thread.sleep(SAMPLE.toMillis());
            }
        } catch (SQLException | InterruptedException e) {
            // The brake is a courtesy to other sessions; the backfill is correct without it.
        }
    }

    /** Whether someone waited on the backfill since the last call. */
    boolean tripped() {
        boolean t = tripped.getAndSet(false);
        if (t) {
            trips.incrementAndGet();
        }
        return t;
    }

    int trips() {
        return trips.get();
    }

    @Override
    public void close() {
        running.set(false);
        thread.interrupt();
    }
}
