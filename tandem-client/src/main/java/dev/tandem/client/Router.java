package dev.tandem.client;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Runs the application's reads and writes on the side the state names, and waits writes through the
 * fence of a cutover or revert. Thread-safe.
 */
final class Router {
    /** The SQLSTATE a side raises when it refuses application writes because the other is authoritative. */
    static final String FENCE_SQLSTATE = "TD001";

    private static final Logger LOG = LoggerFactory.getLogger(Router.class);
    private static final long MIN_BACKOFF_NANOS = 5_000_000;
    private static final long MAX_BACKOFF_NANOS = 20_000_000;

    private final Tandem tandem;
    private final Map<String, DataSource> stores;
    private final Duration fenceTimeout;
    private final RandomGenerator random;
    private final DataSource oldStore;
    // One wrapper per store and per version schema; filled on demand.
    private final Map<String, DataSource> wrappers = new ConcurrentHashMap<>();

    Router(Tandem tandem, Map<String, DataSource> stores, Duration fenceTimeout, RandomGenerator random) {
        this.tandem = tandem;
        this.stores = Map.copyOf(stores);
        this.fenceTimeout = fenceTimeout;
        this.random = random;
        this.oldStore = tandem.sessionDataSource(tandem.serviceDataSource(), () -> null);
    }

    <T> T read(MigrationHandle handle, String key, SqlFunction<T> oldSide, SqlFunction<T> newSide) throws SQLException {
        MigrationState state = handle.state();
        Side side = state.readSide(key);
        T result = run(dataSource(state, side), side == Side.OLD ? oldSide : newSide);
        tandem.metrics().read(state.id(), side);
        ShadowRunner shadow = handle.shadow();
        if (shadow != null && state.bothSidesServed() && shadow.sampled()) {
            Side other = side == Side.OLD ? Side.NEW : Side.OLD;
            SqlFunction<T> otherFunction = other == Side.OLD ? oldSide : newSide;
            shadow.offer(key, side, result, () -> run(dataSource(state, other), otherFunction));
        }
        return result;
    }

    <T> T write(MigrationHandle handle, String key, SqlFunction<T> oldSide, SqlFunction<T> newSide)
            throws SQLException {
        long start = System.nanoTime();
        long deadline = start + fenceTimeout.toNanos();
        MigrationState state = handle.state();
        boolean fenced = false;
        int pastDeadline = 0;
        while (true) {
            Side side = state.writeSide();
            try {
                T result = inTransaction(dataSource(state, side), side == Side.OLD ? oldSide : newSide);
                if (fenced) {
                    tandem.metrics().fenceWait(state.id(), System.nanoTime() - start);
                    Logs.about(
                            LOG,
                            Level.DEBUG,
                            state,
                            "a write of key {} waited {} ms at the fence and went to the {} side",
                            key,
                            (System.nanoTime() - start) / 1_000_000,
                            side);
                }
                return result;
            } catch (SQLException e) {
                if (!fence(e)) {
                    throw e;
                }
                fenced = true;
                MigrationState known = handle.state();
                // The notification of the change usually arrives before the refusal: then the state in
                // memory already names the other side. Otherwise the state is read now.
                state = known.writeSide() != side ? known : reloaded(handle, state, System.nanoTime());
                long now = System.nanoTime();
                // Past the deadline, a side that has just changed still gets its one try.
                if (now >= deadline && (state.writeSide() == side || pastDeadline++ > 0)) {
                    tandem.metrics().fenceWait(state.id(), now - start);
                    tandem.metrics().routingError(state.id(), "fence-timeout");
                    throw new TandemException(
                            ErrorCode.LOCK_TIMEOUT,
                            "a write of key " + key + " for migration " + state.id() + " was refused for "
                                    + fenceTimeout.toMillis() + " ms (last refusal: " + e.getMessage()
                                    + "); the store's state names the " + state.writeSide()
                                    + " side. Check `tandem status`: a cutover or revert may have stopped half way",
                            e);
                }
                if (state.writeSide() == side) {
                    sleep(Math.min(deadline - now, random.nextLong(MIN_BACKOFF_NANOS, MAX_BACKOFF_NANOS + 1)));
                }
            }
        }
    }

    /** The state re-read now from the store, or the one given when it cannot be read. */
    private MigrationState reloaded(MigrationHandle handle, MigrationState previous, long refusedAt) {
        try {
            tandem.watcher().reloadSince(refusedAt);
            return handle.state();
        } catch (SQLException | RuntimeException e) {
            tandem.logs()
                    .failure(
                            LOG,
                            "fence-reload",
                            "tandem-client could not re-read the state at a fence: {}",
                            e.toString());
            return previous;
        }
    }

    static boolean fence(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                for (SQLException n = s; n != null; n = n.getNextException()) {
                    if (FENCE_SQLSTATE.equals(n.getSQLState())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static void sleep(long nanos) {
        try {
            Thread.sleep(Duration.ofNanos(Math.max(0, nanos)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TandemException(ErrorCode.DATABASE_ERROR, "interrupted while waiting at a write fence", e);
        }
    }

    private static <T> T run(DataSource ds, SqlFunction<T> function) throws SQLException {
        try (Connection c = ds.getConnection()) {
            return function.apply(c);
        }
    }

    private static <T> T inTransaction(DataSource ds, SqlFunction<T> function) throws SQLException {
        try (Connection c = ds.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                T result = function.apply(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                try {
                    c.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            } finally {
                if (auto) {
                    try {
                        c.setAutoCommit(true);
                    } catch (SQLException ignored) {
                        // The connection is broken; closing it is all that is left, and the pool checks it.
                    }
                }
            }
        }
    }

    /** The DataSource of one side: a store for a move, a shape of the service's store otherwise. */
    DataSource dataSource(MigrationState state, Side side) {
        if (side == Side.OLD) {
            return oldStore;
        }
        if (!state.move()) {
            String schema = state.versionSchemaServed() ? state.versionSchema() : null;
            return schema == null
                    ? oldStore
                    : wrappers.computeIfAbsent(
                            "schema:" + schema,
                            k -> tandem.sessionDataSource(tandem.serviceDataSource(), () -> schema));
        }
        String store = state.store();
        DataSource target = store == null ? null : stores.get(store);
        if (target == null) {
            tandem.metrics().routingError(state.id(), "unknown-store");
            throw new TandemException(
                    ErrorCode.USAGE,
                    "migration " + state.id() + " moves its table to the store "
                            + (store == null ? "(not recorded yet)" : "'" + store + "'")
                            + ", but this client was given no DataSource for it; add .store(\"" + store
                            + "\", dataSource) to Tandem.connect() (stores given: " + stores.keySet() + ")");
        }
        return wrappers.computeIfAbsent("store:" + store, k -> tandem.sessionDataSource(target, () -> null));
    }
}
