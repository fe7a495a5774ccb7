package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Phase;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The backfill brakes when other sessions wait on its row locks, so it never builds a lock queue. */
@ExtendWith(PostgresExtension.class)
class BackfillBrakeIT {
    EmbeddedPostgres.Database database;

    @Test
    void shouldBrakeWhenAnotherSessionWaitsOnTheBackfillsRowLocks() throws Exception {
        TestDb db = new TestDb(database);
        db.exec("""
                CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL);
                INSERT INTO accounts SELECT g, g FROM generate_series(1, 200000) g;
                """);
        List<String> info = new CopyOnWriteArrayList<>();
        Engine engine = db.engine(EngineOptions.builder()
                .backfill(false)
                .batchTarget(Duration.ofMillis(400)) // long batches hold many row locks at a time
                .listener(new EngineListener() {
                    @Override
                    public void info(String message) {
                        info.add(message);
                    }
                })
                .build());
        engine.start(TestDb.migration("0001_cents", """
                  - add_column: { table: accounts, column: { name: cents, type: bigint }, up: balance * 100 }
                """, null));

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong longestWriteNanos = new AtomicLong();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(
                () -> {
                    try (Connection c = db.old();
                            Statement s = c.createStatement()) {
                        int id = 1;
                        while (running.get()) {
                            long t = System.nanoTime();
                            // Just ahead of the backfill's progress, so its batches hold these rows.
                            s.execute("UPDATE accounts SET balance = balance + 1 WHERE id = " + id);
                            longestWriteNanos.accumulateAndGet(System.nanoTime() - t, Math::max);
                            id = (id + 997) % 200000 + 1;
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                },
                TestDb.THREADS);
        MigrationStatus status = engine.backfill(null);
        running.set(false);
        writer.join();

        assertThat(status.phase()).isEqualTo(Phase.BACKFILLED);
        assertThat(info).anyMatch(m -> m.contains("braked"));
        assertThat(db.value("SELECT count(*) FROM accounts WHERE cents IS DISTINCT FROM balance * 100::bigint"))
                .isEqualTo("0");
    }
}
