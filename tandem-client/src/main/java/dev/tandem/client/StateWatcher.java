package dev.tandem.client;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Keeps the state of the migrations current. One dedicated connection (taken from the service's
 * DataSource for the client's whole life) listens on {@code tandem_state} and reloads on every
 * notification; it also reloads every poll interval, in case a notification was missed. When the
 * connection is lost (a database restart, a network failure) the last known state stays in force
 * while it reconnects with a jittered backoff of up to two seconds.
 *
 * <p>Thread-safe. Listeners run on the watch thread, or on a thread that forced a reload; they must
 * be quick.
 */
final class StateWatcher implements AutoCloseable {
    static final String CHANNEL = "tandem_state";
    private static final Logger LOG = LoggerFactory.getLogger(StateWatcher.class);
    private static final long SLICE_MILLIS = 200;
    private static final long MIN_BACKOFF_MILLIS = 50;
    private static final long MAX_BACKOFF_MILLIS = 2_000;

    private final DataSource dataSource;
    private final Duration pollInterval;
    private final StateReader reader = new StateReader();
    private final Logs logs;
    private final Thread thread;
    // The ids the application asked about; a concurrent set.
    private final Set<String> watched = ConcurrentHashMap.newKeySet();
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    // Replaced whole, under this object's lock; read without it.
    private volatile Map<String, MigrationState> states = Map.of();
    private volatile boolean running = true;
    // When the latest applied load began (System.nanoTime()); written under this object's lock.
    private volatile long loadedSince = Long.MIN_VALUE;
    private final Object reloading = new Object();

    StateWatcher(DataSource dataSource, Duration pollInterval, String threadName, Logs logs) {
        this.dataSource = dataSource;
        this.pollInterval = pollInterval;
        this.logs = logs;
        this.thread = Thread.ofPlatform().name(threadName).daemon().unstarted(this::run);
    }

    /** Loads the state once (a failure is logged and left to the watch thread), then starts watching. */
    void start() {
        try {
            reloadNow();
        } catch (SQLException | RuntimeException e) {
            logs.failure(LOG, "watch", "tandem-client could not read the migrations' state yet: {}", e.toString());
        }
        thread.start();
    }

    MigrationState state(String id) {
        MigrationState s = states.get(id);
        return s != null ? s : MigrationState.unknown(id);
    }

    /** Adds {@code id} to the migrations kept current, loading it now if it is not known yet. */
    void watch(String id) {
        if (watched.add(id) && !states.containsKey(id)) {
            try {
                reloadNow();
            } catch (SQLException | RuntimeException e) {
                logs.failure(LOG, "watch", "tandem-client could not read migration {} yet: {}", id, e.toString());
            }
        }
    }

    void addListener(Consumer<String> listener) {
        listeners.add(listener);
    }

    /** Reads the state now, on a connection of its own, and applies it. */
    void reloadNow() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            // Each read sees the latest committed state, even from a pool that hands out transactions.
            c.setAutoCommit(true);
            try {
                load(c);
            } finally {
                c.setAutoCommit(auto);
            }
        }
    }

    /**
     * Makes sure the state in memory was read after {@code since} (a {@link System#nanoTime()}): when
     * a load that began after it has been applied (by the watch thread, or for another writer refused at
     * the same fence) it is used; otherwise the state is read now. Writers refused at once share one read.
     */
    void reloadSince(long since) throws SQLException {
        synchronized (reloading) {
            if (loadedSince - since >= 0) {
                return;
            }
            reloadNow();
        }
    }

    private void load(Connection c) throws SQLException {
        long began = System.nanoTime();
        apply(reader.load(c, watched), began);
    }

    private void apply(Map<String, MigrationState> loaded, long began) {
        Set<String> changed = new HashSet<>();
        synchronized (this) {
            if (loadedSince != Long.MIN_VALUE && began - loadedSince < 0) {
                // A load that began earlier finished later: what it read is older than what is applied.
                return;
            }
            loadedSince = began;
            Map<String, MigrationState> before = states;
            Set<String> ids = new HashSet<>(before.keySet());
            ids.addAll(loaded.keySet());
            for (String id : ids) {
                if (!Objects.equals(before.get(id), loaded.get(id))) {
                    changed.add(id);
                }
            }
            if (changed.isEmpty()) {
                return;
            }
            states = Map.copyOf(loaded);
        }
        for (String id : changed) {
            MigrationState now = state(id);
            if (watched.contains(id)) {
                Logs.about(
                        LOG,
                        Level.INFO,
                        now,
                        "migration {} is now {} ({}, reads new {}%, writes {})",
                        id,
                        now.phase(),
                        now.stage().wireName(),
                        now.readsNewPercent(),
                        now.writeSide());
            }
            for (Consumer<String> listener : listeners) {
                try {
                    listener.accept(id);
                } catch (RuntimeException e) {
                    logs.failure(LOG, "listener", "a tandem-client listener failed on {}: {}", id, e.toString());
                }
            }
        }
    }

    private void run() {
        long backoff = MIN_BACKOFF_MILLIS;
        boolean lost = false;
        while (running) {
            try (Connection c = dataSource.getConnection()) {
                PGConnection pg = c.unwrap(PGConnection.class);
                // LISTEN takes effect at commit, and a pool may hand out connections in a transaction.
                c.setAutoCommit(true);
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                // After LISTEN, so that no change between the load and the first wait is missed.
                load(c);
                if (lost) {
                    LOG.info("tandem-client is watching the migrations' state again");
                    logs.recovered("watch");
                    lost = false;
                }
                backoff = MIN_BACKOFF_MILLIS;
                watch(c, pg);
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                lost = true;
                logs.failure(
                        LOG,
                        "watch",
                        "tandem-client lost its watch on the migrations' state ({}); the last known state stays in"
                                + " force while it reconnects",
                        e.toString());
                sleep(backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1));
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
            }
        }
    }

    private void watch(Connection c, PGConnection pg) throws SQLException {
        long pollNanos = pollInterval.toNanos();
        long nextPoll = System.nanoTime() + pollNanos;
        while (running) {
            long untilPoll = nextPoll - System.nanoTime();
            if (untilPoll <= 0) {
                load(c);
                nextPoll = System.nanoTime() + pollNanos;
                continue;
            }
            int wait = (int) Math.max(1, Math.min(SLICE_MILLIS, untilPoll / 1_000_000));
            var notifications = pg.getNotifications(wait);
            if (notifications != null && notifications.length > 0) {
                load(c);
            }
        }
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
