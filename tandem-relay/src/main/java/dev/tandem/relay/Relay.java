package dev.tandem.relay;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * Delivers the changes captured in the source's outbox to each move's target, until {@link #stop()}.
 * Any number of relays may run at once: each claims a batch with {@code FOR UPDATE SKIP LOCKED} and
 * holds the claim (an open transaction on the source) while it applies the batch on the target in
 * one statement; only then are the delivered rows deleted, in the same source transaction. A relay
 * that dies mid-batch lets its claim go, and the next delivery of those changes is idempotent (see
 * {@link Apply}). A transient failure (connection, conflict, server state) is waited out with
 * jittered exponential backoff; a permanent one is narrowed to the changes that cause it, each of
 * which is retried later and parked in {@code tandem.dead_letters} after {@code maxAttempts}, while
 * every other key keeps flowing. The relay is woken by LISTEN/NOTIFY, and polls as a fallback.
 */
public final class Relay implements AutoCloseable {
    /** Where each move goes: its spec and its target store. */
    private record Move(MoveSpec spec, DataSource target, Apply apply) {}

    /** What a relay has done so far. */
    public record Stats(long delivered, long applied, long retried, long parked, long transientFailures) {}

    private final DataSource source;
    private final List<Move> moves;
    private final int batchSize;
    private final Duration pollInterval;
    private final int maxAttempts;
    private final Duration retryBase;
    private final Duration retryMax;
    private volatile boolean running = true;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong parked = new AtomicLong();
    private final AtomicLong transientFailures = new AtomicLong();

    private Relay(Builder b) {
        this.source = b.source;
        this.moves = b.moves.entrySet().stream()
                .map(e -> new Move(e.getKey(), e.getValue(), new Apply(e.getKey())))
                .toList();
        this.batchSize = b.batchSize;
        this.pollInterval = b.pollInterval;
        this.maxAttempts = b.maxAttempts;
        this.retryBase = b.retryBase;
        this.retryMax = b.retryMax;
    }

    public static Builder builder(DataSource source) {
        return new Builder(source);
    }

    public static final class Builder {
        private final DataSource source;
        private final Map<MoveSpec, DataSource> moves = new LinkedHashMap<>();
        private int batchSize = 1000;
        private Duration pollInterval = Duration.ofMillis(500);
        private int maxAttempts = 5;
        private Duration retryBase = Duration.ofMillis(50);
        private Duration retryMax = Duration.ofSeconds(5);

        private Builder(DataSource source) {
            this.source = source;
        }

        /**
         * Delivers every move registered on the source ({@link MoveRegistry}), each to its store in
         * {@code stores}, by name. A move whose store is not given is refused, naming it.
         */
        public Builder registered(Map<String, DataSource> stores) throws SQLException {
            try (Connection c = source.getConnection()) {
                for (MoveRegistry.Registered r : MoveRegistry.all(c)) {
                    DataSource target = stores.get(r.store());
                    if (target == null) {
                        throw new IllegalArgumentException("move " + r.spec().migrationId() + " goes to store "
                                + r.store() + ", which was not given: pass --store " + r.store() + "=URL or set "
                                + "TANDEM_STORE_" + r.store().toUpperCase(java.util.Locale.ROOT) + "_URL");
                    }
                    move(r.spec(), target);
                }
            }
            return this;
        }

        /** Delivers {@code spec}'s changes to {@code target}. */
        public Builder move(MoveSpec spec, DataSource target) {
            moves.put(spec, target);
            return this;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** How long an idle relay waits for a notification before it looks at the outbox anyway. */
        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
            return this;
        }

        /** How many times a change that fails on its own data is tried before it is parked. */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** The first and the longest wait between retries; each wait is drawn at random up to the bound. */
        public Builder retry(Duration base, Duration max) {
            this.retryBase = base;
            this.retryMax = max;
            return this;
        }

        public Relay build() {
            return new Relay(this);
        }
    }

    public Stats stats() {
        return new Stats(delivered.get(), applied.get(), retried.get(), parked.get(), transientFailures.get());
    }

    /** Asks {@link #run()} to return once the batch in hand is delivered. */
    public void stop() {
        running = false;
    }

    /** Delivers until {@link #stop()}; rethrows nothing a retry can cure. */
    public void run() throws InterruptedException {
        int failures = 0;
        Connection listener = null;
        try {
            while (running) {
                try {
                    if (listener == null) {
                        listener = listen();
                    }
                    int n = deliverOnce();
                    failures = 0;
                    if (n == 0 && running) {
                        // Woken by the first notification, or after the poll interval at the latest.
                        listener.unwrap(PGConnection.class).getNotifications((int) pollInterval.toMillis());
                    }
                } catch (SQLException e) {
                    if (!Failures.isTransient(e)) {
                        throw new IllegalStateException("the relay cannot go on: " + e.getMessage(), e);
                    }
                    transientFailures.incrementAndGet();
                    close(listener);
                    listener = null;
                    closeConnections();
                    Thread.sleep(backoff(++failures).toMillis());
                }
            }
        } finally {
            close(listener);
            closeConnections();
        }
    }

    private Connection listen() throws SQLException {
        Connection c = source.getConnection();
        try (Statement s = c.createStatement()) {
            s.execute("LISTEN " + Outbox.CHANNEL);
        }
        return c;
    }

    private static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the connection is gone already
            }
        }
    }

    /**
     * One pass over every move: claims, applies and removes at most one batch of each. Returns how many
     * changes left the outbox. A transient failure is thrown for the caller to wait out.
     */
    public int deliverOnce() throws SQLException {
        int n = 0;
        for (Move move : moves) {
            n += deliverOnce(move);
        }
        return n;
    }

    /** A random wait up to base * 2^(attempt-1), capped: full jitter keeps retrying relays apart. */
    Duration backoff(int attempt) {
        long bound = Math.min(retryMax.toMillis(), retryBase.toMillis() << Math.min(attempt - 1, 20));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(Math.max(1, bound) + 1));
    }

    /**
     * Claims up to one batch of {@code move}'s due changes, applies it, and removes what was
     * delivered; returns how many changes left the outbox (delivered or parked).
     */
    int deliverOnce(Move move) throws SQLException {
        Connection src = sourceConnection();
        {
            try {
                List<Change> batch = claim(src, move.spec());
                if (batch.isEmpty()) {
                    src.commit();
                    return 0;
                }
                int done;
                try {
                    List<Apply.Won> won = applyOnTarget(move, batch);
                    delivered(src, move.spec(), batch, won);
                    done = batch.size();
                } catch (SQLException e) {
                    if (Failures.isTransient(e)) {
                        throw e;
                    }
                    done = isolate(src, move, batch);
                }
                src.commit();
                return done;
            } catch (SQLException | RuntimeException e) {
                rollback(src);
                if (e instanceof SQLException sql && Failures.isTransient(sql)) {
                    close(src);
                    sourceConnection = null;
                }
                throw e;
            }
        }
    }

    /**
     * The relay's connections, held from one batch to the next (a relay is one thread): to the source
     * for its claims, and to each target. A transient failure drops the connection it happened on, and
     * the next batch opens a new one.
     */
    private Connection sourceConnection;

    private final Map<MoveSpec, Connection> targetConnections = new java.util.HashMap<>();

    private Connection sourceConnection() throws SQLException {
        if (sourceConnection == null || sourceConnection.isClosed()) {
            sourceConnection = source.getConnection();
            sourceConnection.setAutoCommit(false);
        }
        return sourceConnection;
    }

    private Connection targetConnection(Move move) throws SQLException {
        Connection t = targetConnections.get(move.spec());
        if (t == null || t.isClosed()) {
            t = move.target().getConnection();
            try (Statement s = t.createStatement()) {
                // The relay's own writes are never captured again, on either side; values are read
                // back under the settings they were written with.
                s.execute("SET tandem.origin = 'relay'; " + Outbox.CANONICAL_SESSION);
            }
            t.setAutoCommit(false);
            targetConnections.put(move.spec(), t);
        }
        return t;
    }

    /** Closes the connections a relay used through {@link #deliverOnce()}; {@link #run()} closes its own. */
    @Override
    public void close() {
        closeConnections();
    }

    private void closeConnections() {
        close(sourceConnection);
        sourceConnection = null;
        targetConnections.values().forEach(Relay::close);
        targetConnections.clear();
    }

    private static void rollback(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // a broken connection has rolled back already
        }
    }

    private List<Change> claim(Connection src, MoveSpec spec) throws SQLException {
        List<Change> batch = new ArrayList<>();
        try (PreparedStatement ps = src.prepareStatement("SELECT id, key, op, row, version FROM tandem.outbox"
                + " WHERE migration_id = ? AND (next_attempt IS NULL OR next_attempt <= clock_timestamp())"
                + " ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED")) {
            ps.setString(1, spec.migrationId());
            ps.setInt(2, batchSize);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    batch.add(new Change(
                            rs.getLong(1),
                            rs.getString(2),
                            "D".equals(rs.getString(3)),
                            rs.getString(4),
                            rs.getLong(5)));
                }
            }
        }
        return batch;
    }

    private List<Apply.Won> applyOnTarget(Move move, List<Change> changes) throws SQLException {
        Connection t = targetConnection(move);
        try {
            List<Apply.Won> won = move.apply().apply(t, changes);
            t.commit();
            return won;
        } catch (SQLException | RuntimeException e) {
            rollback(t);
            if (e instanceof SQLException sql && Failures.isTransient(sql)) {
                close(t);
                targetConnections.remove(move.spec());
            }
            throw e;
        }
    }

    /** Removes delivered changes and marks the dead letters they supersede, in the claim's transaction. */
    private void delivered(Connection src, MoveSpec spec, List<Change> changes, List<Apply.Won> won)
            throws SQLException {
        try (PreparedStatement ps = src.prepareStatement("DELETE FROM tandem.outbox WHERE id = ANY (?)")) {
            ps.setArray(
                    1,
                    src.createArrayOf("bigint", changes.stream().map(Change::id).toArray()));
            ps.executeUpdate();
        }
        if (!won.isEmpty()) {
            try (PreparedStatement ps = src.prepareStatement(
                    "UPDATE tandem.dead_letters d SET superseded_by = w.version, superseded_at = clock_timestamp()"
                            + " FROM unnest(?::text[], ?::bigint[]) AS w(key, version)"
                            + " WHERE d.migration_id = ? AND d.key = w.key AND d.version < w.version"
                            + " AND d.superseded_at IS NULL")) {
                ps.setArray(
                        1,
                        src.createArrayOf(
                                "text", won.stream().map(Apply.Won::key).toArray()));
                ps.setArray(
                        2,
                        src.createArrayOf(
                                "bigint", won.stream().map(Apply.Won::version).toArray()));
                ps.setString(3, spec.migrationId());
                ps.executeUpdate();
            }
        }
        delivered.addAndGet(changes.size());
        applied.addAndGet(won.size());
    }

    /**
     * After a batch failed on its data: each change alone. Those that apply are delivered; each that
     * fails is tried again later, or parked once it has had its attempts. Returns how many left the
     * outbox.
     */
    private int isolate(Connection src, Move move, List<Change> batch) throws SQLException {
        int done = 0;
        for (Change change : batch) {
            try {
                List<Apply.Won> won = applyOnTarget(move, List.of(change));
                delivered(src, move.spec(), List.of(change), won);
                done++;
            } catch (SQLException e) {
                if (Failures.isTransient(e)) {
                    throw e;
                }
                if (failed(src, change, e)) {
                    done++;
                }
            }
        }
        return done;
    }

    /** Records a failed attempt; parks the change when it has had them all. Returns whether it was parked. */
    private boolean failed(Connection src, Change change, SQLException cause) throws SQLException {
        try (PreparedStatement ps = src.prepareStatement(
                "UPDATE tandem.outbox SET attempts = attempts + 1, next_attempt = clock_timestamp()"
                        + " + random() * least(?, ? * 2 ^ attempts) * interval '1 millisecond',"
                        + " errors = errors || jsonb_build_array(jsonb_build_object('at', clock_timestamp(),"
                        + " 'sqlstate', ?::text, 'message', ?::text))"
                        + " WHERE id = ? RETURNING attempts")) {
            ps.setLong(1, retryMax.toMillis());
            ps.setLong(2, retryBase.toMillis());
            ps.setString(3, cause.getSQLState());
            ps.setString(4, cause.getMessage());
            ps.setLong(5, change.id());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getInt(1) < maxAttempts) {
                    retried.incrementAndGet();
                    return false;
                }
            }
        }
        try (PreparedStatement ps =
                src.prepareStatement("WITH gone AS (DELETE FROM tandem.outbox WHERE id = ? RETURNING *)"
                        + " INSERT INTO tandem.dead_letters (migration_id, key, op, row, version, correlation_id,"
                        + " traceparent, committed_at, cause, attempts)"
                        + " SELECT migration_id, key, op, row, version, correlation_id, traceparent, committed_at, ?,"
                        + " errors FROM gone")) {
            ps.setLong(1, change.id());
            ps.setString(2, cause.getMessage());
            ps.executeUpdate();
        }
        parked.incrementAndGet();
        return true;
    }
}
