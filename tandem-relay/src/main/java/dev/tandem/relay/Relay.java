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
 * Any number of relays may run at once: each claims a batch by deleting it ({@code FOR UPDATE SKIP
 * LOCKED}, so relays skip each other's claims) and holds the claim (an open transaction on the source)
 * while it applies the batch on the target; the claim commits only once the target has. A relay
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

    /**
     * How long a busy relay promises writers to look at the outbox without a notification, and how
     * often it looks while the promise holds. NOTIFY makes every notifying commit wait for the one
     * before it, so a busy relay tells capture not to notify ({@code tandem.relays_awake}) and polls
     * briefly instead; an idle one lets the promise lapse and sleeps on LISTEN.
     */
    static final Duration AWAKE = Duration.ofSeconds(1);

    static final Duration AWAKE_POLL = Duration.ofMillis(5);

    /** How often an awake relay claims even though no new version was taken (see {@link #awaitCapture}). */
    static final Duration AWAKE_RECHECK = Duration.ofMillis(100);

    /**
     * How long an awake relay goes on polling after its promise lapsed: a writer whose statement saw
     * the promise just before it lapsed commits a moment later without notifying. One that commits
     * later still is found by the next poll (the poll interval at worst).
     */
    static final Duration SETTLE = Duration.ofMillis(100);

    private final String relayId = java.util.UUID.randomUUID().toString();

    /** The highest version this relay has claimed, and when it last rose. */
    private volatile long highestClaimed;

    private long progressAt = System.nanoTime();

    /** Delivers until {@link #stop()}; rethrows nothing a retry can cure. */
    public void run() throws InterruptedException {
        int failures = 0;
        Connection listener = null;
        long promisedUntil = System.nanoTime() - SETTLE.toNanos(); // no promise made yet
        boolean promises = true;
        try {
            while (running) {
                try {
                    if (listener == null) {
                        listener = listen();
                        promisedUntil = System.nanoTime() - SETTLE.toNanos();
                    }
                    boolean awake = System.nanoTime() - promisedUntil < SETTLE.toNanos();
                    long before = awake ? lastVersion(listener) : -1;
                    long claimedBefore = highestClaimed;
                    int n = deliverOnce();
                    failures = 0;
                    long now = System.nanoTime();
                    if (highestClaimed > claimedBefore) {
                        progressAt = now;
                    }
                    if (n > 0 && promises && promisedUntil - now < AWAKE.toNanos() / 2) {
                        promises = promise(listener);
                        promisedUntil = System.nanoTime() + AWAKE.toNanos();
                    } else if (n == 0 && running) {
                        if (awake && before > highestClaimed && now - progressAt < AWAKE_RECHECK.toNanos()) {
                            // Versions were taken that no claim has seen: a writer has yet to commit.
                            listener.unwrap(PGConnection.class).getNotifications((int) AWAKE_POLL.toMillis());
                        } else if (awake) {
                            awaitCapture(listener, promisedUntil + SETTLE.toNanos(), before);
                        } else {
                            // Woken by the first notification, or after the poll interval at the latest.
                            listener.unwrap(PGConnection.class).getNotifications((int) pollInterval.toMillis());
                        }
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
            if (listener != null) {
                forget(listener);
            }
            close(listener);
            closeConnections();
        }
    }

    /**
     * While awake: waits until capture has taken a version after {@code seen} (every captured change
     * takes one from {@code tandem.change_version}; {@code seen} was read before the last claim),
     * {@link #AWAKE_RECHECK} has passed, or {@code until}. Reading the sequence costs next to nothing,
     * where an empty claim walks the outbox index past every row delivered since the last vacuum. A
     * version taken before the last claim that the claim did not see is a writer yet to commit, and
     * {@link #run()} polls for it instead of waiting here.
     */
    private void awaitCapture(Connection listener, long until, long seen) throws SQLException {
        long began = System.nanoTime();
        while (running) {
            listener.unwrap(PGConnection.class).getNotifications((int) AWAKE_POLL.toMillis());
            long now = System.nanoTime();
            if (now - began >= AWAKE_RECHECK.toNanos() || now - until >= 0 || lastVersion(listener) != seen) {
                return;
            }
        }
    }

    private static long lastVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT last_value FROM tandem.change_version")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Promises, for {@link #AWAKE}, that this relay looks at its moves' outbox without being notified;
     * returns false when the source has nowhere to keep the promise (an outbox made by an older tandem,
     * whose capture notifies always).
     */
    private boolean promise(Connection listener) throws SQLException {
        try (PreparedStatement ps =
                listener.prepareStatement("INSERT INTO tandem.relays_awake AS r (relay_id, migration_id, awake_until)"
                        + " SELECT ?, m, clock_timestamp() + ? * interval '1 millisecond' FROM unnest(?::text[]) AS m"
                        + " ON CONFLICT (relay_id, migration_id) DO UPDATE SET awake_until = EXCLUDED.awake_until")) {
            ps.setString(1, relayId);
            ps.setLong(2, AWAKE.toMillis());
            ps.setArray(
                    3,
                    listener.createArrayOf(
                            "text",
                            moves.stream().map(m -> m.spec().migrationId()).toArray()));
            ps.executeUpdate();
            return true;
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return false;
            }
            throw e;
        }
    }

    /** Withdraws this relay's promises, and those that relays killed long ago left behind. */
    private void forget(Connection listener) {
        try (PreparedStatement ps = listener.prepareStatement("DELETE FROM tandem.relays_awake"
                + " WHERE relay_id = ? OR awake_until < clock_timestamp() - interval '1 hour'")) {
            ps.setString(1, relayId);
            ps.executeUpdate();
        } catch (SQLException ignored) {
            // the promise lapses by itself
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
        try {
            List<Change> batch = claim(src, move.spec());
            if (batch.isEmpty()) {
                src.commit();
                return 0;
            }
            highestClaimed = Math.max(
                    highestClaimed,
                    batch.stream().mapToLong(Change::version).max().orElse(0));
            int done;
            try {
                List<Apply.Won> won = applyOnTarget(move, batch);
                supersede(src, move.spec(), won);
                delivered.addAndGet(batch.size());
                applied.addAndGet(won.size());
                done = batch.size();
            } catch (SQLException e) {
                if (Failures.isTransient(e)) {
                    throw e;
                }
                // The claim deleted the batch; rolling it back puts it back, and each change is then
                // tried alone under a row lock.
                src.rollback();
                done = isolate(src, move, lock(src, batch));
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

    /**
     * Claims a batch by deleting it, in the transaction that stays open until the target has
     * committed it: one write per outbox row, where a lock and a later delete would be two. Rows
     * another relay has claimed are skipped, not waited for.
     */
    private List<Change> claim(Connection src, MoveSpec spec) throws SQLException {
        return changes(
                src,
                // An array, not a join: the plan a prepared statement settles on joined by a
                // sequential scan of the whole outbox, ten times slower.
                "DELETE FROM tandem.outbox WHERE id = ANY (ARRAY(SELECT id FROM tandem.outbox"
                        + " WHERE migration_id = ? AND (next_attempt IS NULL OR next_attempt <= clock_timestamp())"
                        + " ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)) RETURNING id, key, op, row, version",
                ps -> {
                    ps.setString(1, spec.migrationId());
                    ps.setInt(2, batchSize);
                });
    }

    /** Locks what is still there of a batch whose claim was rolled back, to try each change alone. */
    private List<Change> lock(Connection src, List<Change> batch) throws SQLException {
        return changes(
                src,
                "SELECT id, key, op, row, version FROM tandem.outbox WHERE id = ANY (?) FOR UPDATE SKIP LOCKED",
                ps -> ps.setArray(
                        1,
                        src.createArrayOf(
                                "bigint", batch.stream().map(Change::id).toArray())));
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private static List<Change> changes(Connection src, String sql, Binder binder) throws SQLException {
        List<Change> changes = new ArrayList<>();
        try (PreparedStatement ps = src.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    changes.add(new Change(
                            rs.getLong(1),
                            rs.getString(2),
                            "D".equals(rs.getString(3)),
                            rs.getString(4),
                            rs.getLong(5)));
                }
            }
        }
        changes.sort(java.util.Comparator.comparingLong(Change::id));
        return changes;
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

    /** Marks the open dead letters that the changes which won supersede, in the claim's transaction. */
    private static void supersede(Connection src, MoveSpec spec, List<Apply.Won> won) throws SQLException {
        if (won.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = src.prepareStatement(
                "UPDATE tandem.dead_letters d SET superseded_by = w.version, superseded_at = clock_timestamp()"
                        + " FROM unnest(?::text[], ?::bigint[]) AS w(key, version)"
                        + " WHERE d.migration_id = ? AND d.key = w.key AND d.version < w.version"
                        + " AND d.superseded_at IS NULL")) {
            ps.setArray(
                    1,
                    src.createArrayOf("text", won.stream().map(Apply.Won::key).toArray()));
            ps.setArray(
                    2,
                    src.createArrayOf(
                            "bigint", won.stream().map(Apply.Won::version).toArray()));
            ps.setString(3, spec.migrationId());
            ps.executeUpdate();
        }
    }

    /** Removes a change that was delivered alone, and marks the dead letters it supersedes. */
    private void delivered(Connection src, MoveSpec spec, Change change, List<Apply.Won> won) throws SQLException {
        try (PreparedStatement ps = src.prepareStatement("DELETE FROM tandem.outbox WHERE id = ?")) {
            ps.setLong(1, change.id());
            ps.executeUpdate();
        }
        supersede(src, spec, won);
        delivered.incrementAndGet();
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
                delivered(src, move.spec(), change, won);
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
