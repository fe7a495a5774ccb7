package dev.tandem.relay;

import static dev.tandem.relay.RelayConvergenceIT.exec;
import static dev.tandem.relay.RelayConvergenceIT.rows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.DedicatedPostgres;
import dev.tandem.testkit.EmbeddedPostgres;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Convergence under faults that break other delivery schemes: a relay process killed with SIGKILL
 * mid-batch, two relays with one of them killed, and a target that is unreachable for 30 seconds.
 * After each, the target holds exactly the source's rows, mapped.
 */
class RelayFaultsIT {
    @TempDir
    Path dir;

    static List<String> sourceProjection(DataSource source) {
        return rows(source, "SELECT id, customer_id, (total * 100)::bigint, note FROM orders ORDER BY id");
    }

    static List<String> targetRows(DataSource target) {
        return rows(target, "SELECT id, customer_id, total_cents, note FROM invoices ORDER BY id");
    }

    static long outbox(DataSource source) {
        return Long.parseLong(rows(source, "SELECT count(*) FROM tandem.outbox").getFirst());
    }

    static void awaitEmptyOutbox(DataSource source) throws InterruptedException {
        for (int i = 0; i < 1200 && outbox(source) > 0; i++) {
            Thread.sleep(100);
        }
        assertThat(outbox(source)).as("the outbox drains").isZero();
    }

    private Process relayProcess(EmbeddedPostgres.Database source, EmbeddedPostgres.Database target, String log)
            throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        RelayProcess.class.getName(),
                        source.jdbcUrl(),
                        target.jdbcUrl(),
                        source.user())
                .redirectErrorStream(true)
                .redirectOutput(new File(dir.toFile(), log))
                .start();
    }

    private static CompletableFuture<Void> writers(DataSource source, int writers, int transactions, long seed) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            long s = seed + w;
            all.add(CompletableFuture.runAsync(
                    () -> RelayConvergenceIT.write(source, s, transactions), RelayConvergenceIT.THREADS));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    /** Waits until the target has applied at least {@code n} changes of the move. */
    private static void awaitApplied(DataSource target, long n) throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            if (Long.parseLong(rows(target, "SELECT count(*) FROM tandem.applied WHERE version > 0")
                            .getFirst())
                    >= n) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the relay applied nothing");
    }

    @Test
    void shouldConvergeAfterTheRelayIsKilledMidBatchAndTwoRelaysRunAtOnce() throws Exception {
        EmbeddedPostgres.Database source = EmbeddedPostgres.newDatabase();
        EmbeddedPostgres.Database target = EmbeddedPostgres.newDatabase();
        exec(source.dataSource(), RelayConvergenceIT.SOURCE_TABLE);
        exec(target.dataSource(), RelayConvergenceIT.TARGET_TABLE);
        MoveSpec spec = RelayConvergenceIT.orders();
        Moves.prepare(source.dataSource(), target.dataSource(), spec);
        Moves.copy(source.dataSource(), target.dataSource(), spec, 500);

        CompletableFuture<Void> writing = writers(source.dataSource(), 4, 400, 11);
        Process first = relayProcess(source, target, "first.log");
        Process second = relayProcess(source, target, "second.log");
        awaitApplied(target.dataSource(), 300);
        first.destroyForcibly(); // SIGKILL, mid-batch as likely as not: its claim and any open transaction die with it
        first.waitFor();
        writing.join();
        Process third = relayProcess(source, target, "third.log");
        awaitEmptyOutbox(source.dataSource());
        second.destroy(); // SIGTERM: drains what it holds and exits
        third.destroy();
        assertThat(second.waitFor()).isNotEqualTo(-1);
        third.waitFor();

        assertThat(targetRows(target.dataSource())).containsExactlyElementsOf(sourceProjection(source.dataSource()));
        assertThat(rows(source.dataSource(), "SELECT count(*) FROM tandem.dead_letters"))
                .containsExactly("0");
    }

    @Test
    void shouldConvergeAfterTheTargetIsUnreachableForThirtySeconds() throws Exception {
        EmbeddedPostgres.Database source = EmbeddedPostgres.newDatabase();
        try (DedicatedPostgres targetServer = DedicatedPostgres.start(dir.resolve("target"))) {
            EmbeddedPostgres.Database target = targetServer.newDatabase("invoices_store");
            exec(source.dataSource(), RelayConvergenceIT.SOURCE_TABLE);
            exec(target.dataSource(), RelayConvergenceIT.TARGET_TABLE);
            MoveSpec spec = RelayConvergenceIT.orders();
            Moves.prepare(source.dataSource(), target.dataSource(), spec);
            Moves.copy(source.dataSource(), target.dataSource(), spec, 500);
            Relay relay = Relay.builder(source.dataSource())
                    .move(spec, target.dataSource())
                    .batchSize(100)
                    .pollInterval(Duration.ofMillis(50))
                    .retry(Duration.ofMillis(10), Duration.ofSeconds(1))
                    .build();
            CompletableFuture<Void> running = RelayConvergenceIT.inBackground(relay);
            CompletableFuture<Void> writing = writers(source.dataSource(), 3, 300, 21);
            awaitApplied(target.dataSource(), 100);
            targetServer.stop();
            long down = System.nanoTime();
            writing.join();
            Thread.sleep(Math.max(0, Duration.ofSeconds(30).toMillis() - (System.nanoTime() - down) / 1_000_000));
            assertThat(outbox(source.dataSource()))
                    .as("changes wait in the outbox")
                    .isPositive();
            targetServer.start();
            awaitEmptyOutbox(source.dataSource());
            relay.stop();
            running.join();

            assertThat(relay.stats().transientFailures()).isPositive();
            assertThat(relay.stats().parked()).isZero();
            assertThat(targetRows(target.dataSource()))
                    .containsExactlyElementsOf(sourceProjection(source.dataSource()));
        }
    }
}
