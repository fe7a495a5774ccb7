package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Invariant 4: no tandem step makes another session wait on a lock longer than the lock timeout,
 * even when a long transaction holds a conflicting lock; each retry is reported.
 */
@ExtendWith(PostgresExtension.class)
class LockTimeoutIT {
    static final Duration LOCK_TIMEOUT = Duration.ofMillis(300);
    EmbeddedPostgres.Database database;
    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(database);
        db.exec("""
                CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL);
                INSERT INTO customers (name) SELECT 'n' || g FROM generate_series(1, 1000) g;
                """);
    }

    private static final String OPS = """
              - add_column: { table: customers, column: { name: nickname, type: text }, up: upper(name) }
            """;

    /** Runs short writes in a third session and records the longest one. */
    private static final class Prober implements AutoCloseable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong longestNanos = new AtomicLong();
        final CompletableFuture<Void> done;

        Prober(TestDb db) {
            done = CompletableFuture.runAsync(
                    () -> {
                        try (Connection c = db.old();
                                Statement s = c.createStatement()) {
                            int i = 0;
                            while (running.get()) {
                                long t = System.nanoTime();
                                s.execute("UPDATE customers SET name = name WHERE id = " + (1 + i++ % 1000));
                                longestNanos.accumulateAndGet(System.nanoTime() - t, Math::max);
                                Thread.sleep(5);
                            }
                        } catch (Exception e) {
                            throw new RuntimeException(e);
                        }
                    },
                    TestDb.THREADS);
        }

        Duration longest() {
            return Duration.ofNanos(longestNanos.get());
        }

        @Override
        public void close() {
            running.set(false);
            done.join();
        }
    }

    @Test
    void shouldWaitWithinTheLockTimeoutAndReportEachRetryWhileALongTransactionHoldsTheTable() throws Exception {
        List<String> retries = new CopyOnWriteArrayList<>();
        EngineOptions options = EngineOptions.builder()
                .lockTimeout(LOCK_TIMEOUT)
                .listener(new EngineListener() {
                    @Override
                    public void retrying(PlannedStep step, int attempt, int max, Duration backoff, String reason) {
                        retries.add(step.description() + " attempt " + attempt);
                    }
                })
                .build();
        try (Connection holder = db.old();
                Prober prober = new Prober(db)) {
            holder.setAutoCommit(false);
            try (Statement s = holder.createStatement()) {
                s.execute("SELECT count(*) FROM customers"); // ACCESS SHARE until commit: conflicts with ALTER TABLE
            }
            CompletableFuture<MigrationStatus> start = CompletableFuture.supplyAsync(
                    () -> db.engine(options).start(TestDb.migration("0001_nick", OPS, null)), TestDb.THREADS);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (retries.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            holder.commit();
            assertThat(start.get().phase()).isEqualTo(Phase.BACKFILLED);
            prober.close();
            assertThat(retries).isNotEmpty().allMatch(r -> r.startsWith("add the new columns"));
            // The third session queued behind tandem's ALTER TABLE at most for one lock timeout.
            assertThat(prober.longest()).isLessThan(LOCK_TIMEOUT.plusMillis(250));
        }
        assertThat(db.value("SELECT count(*) FROM customers WHERE nickname = upper(name)"))
                .isEqualTo("1000");
    }

    @Test
    void shouldGiveUpAfterBoundedRetriesAndLeaveNothingBehind() throws Exception {
        String before = db.definition("public.customers");
        EngineOptions options = EngineOptions.builder()
                .lockTimeout(Duration.ofMillis(100))
                .maxAttempts(3)
                .build();
        try (Connection holder = db.old()) {
            holder.setAutoCommit(false);
            try (Statement s = holder.createStatement()) {
                s.execute("SELECT count(*) FROM customers");
            }
            assertThatThrownBy(() -> db.engine(options).start(TestDb.migration("0001_nick", OPS, null)))
                    .isInstanceOfSatisfying(TandemException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.LOCK_TIMEOUT);
                        assertThat(e.getMessage()).contains("3 times").contains("pg_stat_activity");
                    });
            holder.commit();
        }
        assertThat(db.definition("public.customers")).isEqualTo(before);
        assertThat(db.value("SELECT phase FROM tandem.migrations WHERE id = '0001_nick'"))
                .isEqualTo("ROLLED_BACK");
    }
}
