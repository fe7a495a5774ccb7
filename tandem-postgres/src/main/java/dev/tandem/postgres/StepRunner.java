package dev.tandem.postgres;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Runs recipe steps so that no other session waits on tandem longer than the lock timeout: every
 * statement runs under {@code lock_timeout}; a step that times out is rolled back, so whoever queued
 * behind it goes on, and it is retried after a jittered exponential backoff, a bounded number of
 * times, each retry reported.
 */
final class StepRunner {
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final EngineOptions options;
    private final RandomGenerator random;
    private final Sleeper sleeper;

    /** Waits between retries; tests inject one that records instead of sleeping. */
    interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    StepRunner(EngineOptions options, RandomGenerator random, Sleeper sleeper) {
        this.options = options;
        this.random = random;
        this.sleeper = sleeper;
    }

    static StepRunner create(EngineOptions options) {
        return new StepRunner(options, RandomGenerator.getDefault(), d -> Thread.sleep(d.toMillis()));
    }

    /** Work that must commit together with a step, such as marking it done. */
    interface InTransaction {
        void run(Connection c) throws SQLException;

        InTransaction NOTHING = c -> {};
    }

    void run(Connection c, PlannedStep step) {
        run(c, step, InTransaction.NOTHING);
    }

    void run(Connection c, PlannedStep step, InTransaction alongside) {
        options.listener().stepStarted(step);
        long started = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            try {
                execute(c, step, alongside);
                options.listener().stepFinished(step, Duration.ofNanos(System.nanoTime() - started));
                return;
            } catch (SQLException e) {
                if (!Jdbc.isLockTimeout(e) || attempt >= options.maxAttempts()) {
                    if (Jdbc.isLockTimeout(e)) {
                        throw new TandemException(
                                ErrorCode.LOCK_TIMEOUT,
                                "step '" + step.description() + "' could not take its "
                                        + step.lock().label() + " lock within "
                                        + options.lockTimeout().toMillis() + " ms, "
                                        + attempt + " times. Another session holds a conflicting lock for a long time;"
                                        + " find it in pg_stat_activity, then run the command again",
                                e);
                    }
                    throw Jdbc.failure("step '" + step.description() + "' failed", e);
                }
                cancelBlockingAutovacuum(c, step);
                Duration backoff = backoff(attempt);
                options.listener().retrying(step, attempt, options.maxAttempts(), backoff, e.getMessage());
                try {
                    sleeper.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new TandemException(
                            ErrorCode.LOCK_TIMEOUT, "interrupted while waiting to retry '" + step.description() + "'");
                }
            }
        }
    }

    /** Exponential from 100 ms, capped at 5 s, with full jitter between half and the whole of it. */
    Duration backoff(int attempt) {
        long ceiling = Math.min(MAX_BACKOFF.toMillis(), FIRST_BACKOFF.toMillis() << Math.min(attempt - 1, 20));
        return Duration.ofMillis(ceiling / 2 + random.nextLong(ceiling / 2 + 1));
    }

    private void execute(Connection c, PlannedStep step, InTransaction alongside) throws SQLException {
        if (!step.transactional()) {
            // CONCURRENTLY cannot run in a transaction. It takes SHARE UPDATE EXCLUSIVE, which no read
            // or write conflicts with, then waits for older snapshots to end; a lock timeout would
            // only make it fail behind any long transaction. So it runs without one.
            c.setAutoCommit(true);
            dropIfInvalid(c, step);
            try (Statement s = c.createStatement()) {
                s.execute("SET lock_timeout = 0");
                s.execute(step.sql());
                alongside.run(c);
            } catch (SQLException e) {
                dropInvalidIndex(c, step);
                throw e;
            } finally {
                try (Statement s = c.createStatement()) {
                    s.execute("RESET lock_timeout");
                }
            }
            return;
        }
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL lock_timeout = '" + options.lockTimeout().toMillis() + "ms'");
            s.execute(step.sql());
            alongside.run(c);
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /**
     * An index left invalid by an interrupted build (a crash, a cancel) would satisfy IF NOT EXISTS and
     * be taken as built; drop it first so the step builds it for real.
     */
    private static void dropIfInvalid(Connection c, PlannedStep step) {
        String name = indexName(step);
        if (name == null) {
            return;
        }
        try (Statement s = c.createStatement();
                java.sql.ResultSet rs =
                        s.executeQuery("SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass("
                                + Sql.literal(name) + ")")) {
            if (rs.next() && rs.getBoolean(1)) {
                s.execute("DROP INDEX CONCURRENTLY IF EXISTS " + name);
            }
        } catch (SQLException ignored) {
            // the build reports any real problem itself
        }
    }

    /** The schema-qualified index a CREATE INDEX step builds, or null for any other step. */
    private static String indexName(PlannedStep step) {
        String sql = step.sql();
        int at = sql.indexOf("IF NOT EXISTS ");
        int on = sql.indexOf(" ON ");
        if (!sql.startsWith("CREATE") || at < 0 || on < at) {
            return null;
        }
        String name = sql.substring(at + "IF NOT EXISTS ".length(), on);
        String target = sql.substring(on + " ON ".length());
        int dot = target.indexOf("\".\"");
        return dot > 0 ? target.substring(0, dot + 1) + "." + name : name;
    }

    /** A failed CREATE INDEX CONCURRENTLY leaves an invalid index behind; remove it so a retry can build it. */
    private static void dropInvalidIndex(Connection c, PlannedStep step) {
        String name = indexName(step);
        if (name == null) {
            return;
        }
        try (Statement s = c.createStatement()) {
            s.execute("DROP INDEX CONCURRENTLY IF EXISTS " + name);
        } catch (SQLException ignored) {
            // best effort; the original error is what the operator needs to see
        }
    }

    /**
     * An autovacuum worker yields to a lock waiter only after {@code deadlock_timeout} (1 s by
     * default), longer than tandem waits; so, as PostgreSQL itself would, tandem cancels an autovacuum
     * of a table its step needs. It runs again later. Anti-wraparound vacuums are never cancelled.
     */
    private void cancelBlockingAutovacuum(Connection c, PlannedStep step) {
        String sql = """
                SELECT pid, query FROM pg_stat_activity
                WHERE backend_type = 'autovacuum worker' AND query NOT LIKE '%to prevent wraparound%'""";
        try (Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery(sql)) {
            List<Integer> cancel = new ArrayList<>();
            while (rs.next()) {
                String query = rs.getString(2) == null ? "" : rs.getString(2).strip();
                String relation = query.substring(query.lastIndexOf(' ') + 1);
                int dot = relation.indexOf('.');
                if (dot > 0 && step.sql().contains(Sql.id(relation.substring(0, dot), relation.substring(dot + 1)))) {
                    cancel.add(rs.getInt(1));
                    options.listener()
                            .info("cancelled " + query + ": it held a lock '" + step.description()
                                    + "' needs; autovacuum runs it again later");
                }
            }
            for (int pid : cancel) {
                s.execute("SELECT pg_cancel_backend(" + pid + ")");
            }
        } catch (SQLException e) {
            // Without the privilege to cancel it, tandem waits for the autovacuum like any other lock.
        }
    }
}
