package dev.tandem.relay;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import dev.tandem.postgres.EngineListener;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;

/**
 * The fenced hand-over of a move's authority from one store to the other (DESIGN.md, "Cutover";
 * Invariants 1, 2 and 5). Cutover, within the lock timeout, takes a write-blocking lock (EXCLUSIVE:
 * reads go on) on the source table; drains the source's outbox to zero, including batches other relays
 * hold; then makes the target authoritative: capture runs on the target (feeding the source through the
 * move's {@code reverse}), and the source's guard refuses application writes with an error that names
 * the store and table to write to. The lock goes with the caller's commit, which records the phase in
 * the same transaction. Revert is the same the other way round.
 *
 * <p>Writers blocked by the lock resume once it is released and meet the guard: plain writers get its
 * error, and {@code tandem-client} retries on the side the state now names, so neither side ever
 * holds a write the other misses. The outbox is drained once without the lock first, so the lock is
 * held only for what was captured meanwhile.
 *
 * <p>Where the two stores change in two transactions, the order leaves a crash between them safe: on
 * cutover the target is made writable and captured before the source stops taking writes (nothing
 * writes the target until the state names it, which commits last), and on revert the target stops
 * taking writes before the source starts (a crash between leaves both refusing writes, and running
 * revert again finishes it).
 */
final class Fence {
    /** How long the drain before the lock goes on while each pass still finds changes. */
    static final Duration PRE_DRAIN_BUDGET = Duration.ofSeconds(60);

    private static final int LOCK_ATTEMPTS = 10;

    private final DataSource source;
    private final DataSource target;
    private final MoveSpec forward;
    private final MoveSpec reverse;
    private final String store;
    private final Duration lockTimeout;
    private final EngineListener listener;

    Fence(
            DataSource source,
            DataSource target,
            MoveRegistry.Registered move,
            Duration lockTimeout,
            EngineListener listener) {
        if (move.reverse() == null) {
            throw new TandemException(
                    ErrorCode.PHASE_INVALID,
                    "move " + move.spec().migrationId() + " was started by a tandem without cutover: it has no way"
                            + " back from the target; roll it back and start it again");
        }
        this.source = source;
        this.target = target;
        this.forward = move.spec();
        this.reverse = move.reverse();
        this.store = move.store();
        this.lockTimeout = lockTimeout;
        this.listener = listener;
    }

    /** Hands authority to the target; {@code c} is the caller's open transaction on the source, which commits the fence. */
    void cutover(Connection c) throws SQLException {
        boolean targetGuarded;
        try (Connection t = target.getConnection();
                Statement s = t.createStatement()) {
            targetGuarded = enabled(t, reverse, Guard.triggerName(reverse));
            s.execute("SET lock_timeout = " + lockTimeout.toMillis());
            s.execute(Capture.enable(reverse));
            s.execute(Guard.disable(reverse));
        }
        boolean done = false;
        try (Drainer drainer = new Drainer(source, target, forward)) {
            Hold hold = fence(c, Guard.table(forward), "source", drainer);
            try (Statement s = c.createStatement()) {
                s.execute(Guard.enable(forward));
                s.execute(Capture.disable(forward));
            }
            closeDeadLetters(c);
            MoveRegistry.authoritative(c, forward.migrationId(), MoveRegistry.Side.TARGET, false);
            done = true;
            listener.info("fence: writes to " + Guard.name(forward) + " held " + millis(hold.lockedAt()) + " ms while "
                    + changes(hold.drained()) + " delivered; store " + store + " (" + Guard.name(reverse)
                    + ") takes the writes from here, and its changes flow back");
        } finally {
            if (!done) {
                try (Connection t = target.getConnection();
                        Statement s = t.createStatement()) {
                    s.execute(Capture.disable(reverse));
                    if (targetGuarded) {
                        s.execute(Guard.enable(reverse));
                    }
                } catch (SQLException e) {
                    listener.info("could not switch capture on " + Guard.name(reverse) + " in store " + store
                            + " off again (" + e.getMessage() + "); nothing writes it until a cutover succeeds");
                }
            }
        }
    }

    /**
     * A cutover forced past open dead letters leaves them behind for good: once the target takes
     * writes, replaying a change parked before could overwrite a newer write there (the target's
     * applied versions count the source's changes only). They are closed as superseded by the cutover,
     * which the forced cutover's reason in the history accounts for.
     */
    private void closeDeadLetters(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE tandem.dead_letters SET superseded_at ="
                + " clock_timestamp(), cause = cause || ' (closed by the cutover: no longer replayable)'"
                + " WHERE migration_id = ? AND superseded_at IS NULL AND replayed_at IS NULL")) {
            ps.setString(1, forward.migrationId());
            int closed = ps.executeUpdate();
            if (closed > 0) {
                listener.info(closed + " open dead letter(s) of " + forward.migrationId() + " closed by the cutover:"
                        + " the target takes the writes now, so they can no longer be replayed");
            }
        }
    }

    /** Hands authority back to the source; {@code c} is the caller's open transaction on the source. */
    void revert(Connection c) throws SQLException {
        long dead = openDeadLetters(target, reverse);
        if (dead > 0) {
            throw new TandemException(
                    ErrorCode.GATE_REFUSED,
                    dead + " change(s) of " + Guard.name(reverse) + " in store " + store + " are parked in its dead"
                            + " letters and have not reached the source; replay them (`tandem dead-letters --url"
                            + " <" + store + " url> --replay`) before the source takes the writes back");
        }
        // The source's half is made ready while the target is still fenced, and the target commits only
        // then: the caller's commit of the source follows at once, so writers refused by the target wait
        // for no more than that.
        stopTarget(() -> {
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCAL lock_timeout = " + lockTimeout.toMillis());
                s.execute(Capture.enable(forward));
                s.execute(Guard.disable(forward));
            }
            MoveRegistry.authoritative(c, forward.migrationId(), MoveRegistry.Side.SOURCE, false);
        });
    }

    /** Work done while the target is fenced, before it commits. */
    private interface WhileFenced {
        void run() throws SQLException;
    }

    /**
     * Stops sync for good: the target's last changes are delivered, capture on it stops, and the source
     * stays a read-only archive whose guard says where the table lives now.
     */
    void complete() throws SQLException {
        stopTarget(() -> {});
        // The target stays authoritative: its guard stopTarget switched on is switched off again.
        try (Connection t = target.getConnection();
                Statement s = t.createStatement()) {
            s.execute("SET lock_timeout = " + lockTimeout.toMillis());
            s.execute(Guard.disable(reverse));
        }
        try (Connection c = source.getConnection();
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute(Guard.function(
                    forward,
                    "table " + Guard.name(forward) + " is a read-only archive: move " + forward.migrationId()
                            + " completed, and the table lives in store " + store + " as " + Guard.name(reverse),
                    "write to " + Guard.name(reverse) + " in store " + store));
            MoveRegistry.authoritative(c, forward.migrationId(), MoveRegistry.Side.TARGET, true);
            c.commit();
        }
    }

    /**
     * On the target, under the write-blocking lock: delivers what its outbox holds to the source, switches
     * its capture off and its guard on, runs {@code then}, and commits, so the target takes no writes the
     * source would miss.
     */
    private void stopTarget(WhileFenced then) throws SQLException {
        try (Connection t = target.getConnection();
                Drainer drainer = new Drainer(target, source, reverse)) {
            t.setAutoCommit(false);
            try (Statement s = t.createStatement()) {
                Hold hold = fence(t, Guard.table(reverse), "target (store " + store + ")", drainer);
                s.execute(Guard.enable(reverse));
                s.execute(Capture.disable(reverse));
                then.run();
                t.commit();
                listener.info("fence: writes to " + Guard.name(reverse) + " in store " + store + " held "
                        + millis(hold.lockedAt()) + " ms while " + changes(hold.drained()) + " delivered back");
            } catch (SQLException | RuntimeException e) {
                t.rollback();
                throw e;
            }
        }
    }

    /**
     * Delivers one move's changes from one store to the other, with its connections opened before the
     * fence, so that the time under the lock is the delivery's alone.
     */
    private static final class Drainer implements AutoCloseable {
        private final MoveSpec spec;
        private final Relay relay;
        private final Connection counter;

        Drainer(DataSource from, DataSource to, MoveSpec spec) throws SQLException {
            this.spec = spec;
            this.relay = Relay.builder(from).move(spec, to).batchSize(5000).build();
            this.counter = from.getConnection();
        }

        /** The changes still in the outbox when {@link #toZero} last gave up. */
        long left;

        /** Before the fence: delivers while passes find changes (for at most a minute); returns how many. */
        long catchUp() throws SQLException {
            long deadline = System.nanoTime() + PRE_DRAIN_BUDGET.toNanos();
            long total = 0;
            int n;
            while ((n = deliver()) > 0) {
                total += n;
                if (System.nanoTime() > deadline) {
                    break;
                }
            }
            return total;
        }

        /**
         * Under the fence: delivers until the outbox holds none of the move's changes, counting those other
         * relays have claimed and not yet committed. Returns how many it delivered, or -1 once {@code
         * budget} has passed (the count left in {@link #left}).
         */
        long toZero(Duration budget) throws SQLException {
            long deadline = System.nanoTime() + budget.toNanos();
            long total = 0;
            while (true) {
                int n = deliver();
                total += n;
                if (n > 0) {
                    continue;
                }
                long pending = pending(counter, spec);
                if (pending == 0) {
                    return total;
                }
                if (System.nanoTime() > deadline) {
                    left = pending;
                    return -1;
                }
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new TandemException(ErrorCode.DATABASE_ERROR, "interrupted while draining the outbox");
                }
            }
        }

        /**
         * Without the lock: delivers for up to {@code wait}, returning early once the outbox holds none of
         * the move's changes (whatever held the last hold up, such as another relay's claim, has let go).
         */
        void settle(Duration wait) throws SQLException {
            long deadline = System.nanoTime() + wait.toNanos();
            while (System.nanoTime() < deadline) {
                if (deliver() == 0 && pending(counter, spec) == 0) {
                    return;
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new TandemException(ErrorCode.DATABASE_ERROR, "interrupted while draining the outbox");
                }
            }
        }

        /** One pass; a change parked on the way ends the hand-over. */
        private int deliver() throws SQLException {
            int n = relay.deliverOnce();
            if (relay.stats().parked() > 0) {
                throw new TandemException(
                        ErrorCode.GATE_REFUSED,
                        "a change of " + spec.migrationId() + " was parked in the dead letters while the fence"
                                + " drained the outbox; nothing was handed over. See `tandem dead-letters`");
            }
            return n;
        }

        @Override
        public void close() throws SQLException {
            relay.close();
            counter.close();
        }
    }

    /**
     * Takes the write-blocking lock on {@code table} in {@code c}'s transaction and drains the move's
     * outbox to zero under it, holding writers for at most one lock timeout (Invariant 4): a drain that
     * does not finish in that time gives the lock back (a rollback to the savepoint taken before it),
     * lets writers through, drains without the lock, and tries again. Returns when it took the lock and
     * how many changes it delivered under it.
     */
    private Hold fence(Connection c, String table, String side, Drainer drainer) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            drainer.catchUp();
            try (Statement s = c.createStatement()) {
                s.execute("SAVEPOINT tandem_fence_hold");
                lock(c, table, side);
                long locked = System.nanoTime();
                long drained = drainer.toZero(lockTimeout);
                if (drained >= 0) {
                    s.execute("RELEASE SAVEPOINT tandem_fence_hold");
                    return new Hold(locked, drained);
                }
                s.execute("ROLLBACK TO SAVEPOINT tandem_fence_hold");
            }
            if (attempt == LOCK_ATTEMPTS) {
                throw new TandemException(
                        ErrorCode.GATE_REFUSED,
                        drainer.left + " change(s) of " + drainer.spec.migrationId() + " could not be delivered"
                                + " within the lock timeout (" + lockTimeout.toMillis() + " ms) under the fence, in "
                                + LOCK_ATTEMPTS + " attempts (a relay holds a batch it cannot finish, or a change the"
                                + " other side refuses waits for its retry); nothing was handed over, and writes go on"
                                + " where they went. `tandem status` shows the move");
            }
            listener.info("the fence on " + table + " let writes through again after " + lockTimeout.toMillis()
                    + " ms with " + drainer.left + " change(s) still to deliver (attempt " + attempt + " of "
                    + LOCK_ATTEMPTS + "); draining, then trying again");
            drainer.settle(backoff(attempt));
        }
    }

    /**
     * How long to drain without the lock between two holds: doubling from 50 ms up to 1.6 s, jittered in
     * its upper half so that ten attempts span at least a few seconds of a stuck claim.
     */
    private static Duration backoff(int attempt) {
        long ceiling = 50L << Math.min(attempt, 5);
        return Duration.ofMillis(ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1));
    }

    /** When the fence took its lock ({@link System#nanoTime()}), and the changes it delivered under it. */
    private record Hold(long lockedAt, long drained) {}

    private static long pending(Connection c, MoveSpec spec) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM tandem.outbox WHERE migration_id = ?")) {
            ps.setString(1, spec.migrationId());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static long openDeadLetters(DataSource store, MoveSpec spec) throws SQLException {
        try (Connection c = store.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM tandem.dead_letters"
                        + " WHERE migration_id = ? AND superseded_at IS NULL AND replayed_at IS NULL")) {
            ps.setString(1, spec.migrationId());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Takes the write-blocking lock in {@code c}'s transaction, each attempt within the lock timeout
     * (Invariant 4: no session waits on tandem longer), retrying with jittered backoff, visibly.
     */
    private void lock(Connection c, String table, String side) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try (Statement s = c.createStatement()) {
                s.execute("SAVEPOINT tandem_fence");
                try {
                    s.execute("SET LOCAL lock_timeout = " + lockTimeout.toMillis());
                    s.execute("LOCK TABLE " + table + " IN EXCLUSIVE MODE");
                    s.execute("RELEASE SAVEPOINT tandem_fence");
                    return;
                } catch (SQLException e) {
                    if (!"55P03".equals(e.getSQLState())) {
                        throw e;
                    }
                    s.execute("ROLLBACK TO SAVEPOINT tandem_fence");
                    if (attempt == LOCK_ATTEMPTS) {
                        throw new TandemException(
                                ErrorCode.LOCK_TIMEOUT,
                                "the write-blocking lock on " + table + " (" + side + ") was not granted within "
                                        + lockTimeout.toMillis() + " ms in " + LOCK_ATTEMPTS + " attempts: a long"
                                        + " transaction holds it (see pg_stat_activity); nothing was handed over");
                    }
                }
            }
            long backoff = backoff(attempt).toMillis();
            listener.info("the lock on " + table + " was not granted within " + lockTimeout.toMillis() + " ms (attempt "
                    + attempt + " of " + LOCK_ATTEMPTS + "); retrying in " + backoff + " ms");
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TandemException(ErrorCode.LOCK_TIMEOUT, "interrupted while waiting for the lock on " + table);
            }
        }
    }

    private static boolean enabled(Connection c, MoveSpec side, String trigger) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT tgenabled <> 'D' FROM pg_trigger" + " WHERE tgrelid = ?::regclass AND tgname = ?")) {
            ps.setString(1, Guard.table(side));
            ps.setString(2, trigger);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static String changes(long n) {
        return n == 1 ? "1 change was" : n + " changes were";
    }

    private static long millis(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
