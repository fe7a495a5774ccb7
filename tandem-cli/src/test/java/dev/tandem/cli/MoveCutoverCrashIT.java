package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code tandem cutover} process killed with SIGKILL while it holds the fence: its lock goes with
 * its connection, the source is still authoritative and takes (and captures) writes, nothing is lost,
 * and running cutover again hands the writes over.
 */
class MoveCutoverCrashIT {
    @TempDir
    Path dir;

    @Test
    void shouldLeaveTheSourceAuthoritativeWhenACutoverIsKilledInsideTheFence() throws Exception {
        EmbeddedPostgres.Database orders = EmbeddedPostgres.newDatabase();
        EmbeddedPostgres.Database billing = EmbeddedPostgres.newDatabase();
        MoveCutoverIT.sql(orders, MoveFixture.ORDERS);
        MoveCutoverIT.sql(billing, MoveFixture.INVOICES);
        Path file = Files.writeString(dir.resolve(MoveFixture.FILE_NAME), MoveFixture.MOVE);
        String store = MoveFixture.store(billing);
        String url = orders.jdbcUrl();
        CliRun start = CliRun.of("start", file.toString(), "--url", url, "--user", orders.user(), "--store", store);
        assertThat(start.exitCode()).as(start.out() + start.err()).isZero();

        MoveCutoverIT.sql(orders, "UPDATE orders SET total = total + 1 WHERE id = 1");
        Process cutover;
        // Another relay's claim that it has not committed: the fence waits for it under its lock, which
        // holds the cutover inside the fence long enough to kill it there.
        try (Connection claim = orders.dataSource().getConnection();
                Statement s = claim.createStatement()) {
            claim.setAutoCommit(false);
            s.execute("DELETE FROM tandem.outbox WHERE id = (SELECT min(id) FROM tandem.outbox)");
            cutover = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            TandemCli.class.getName(),
                            "cutover",
                            "--url",
                            url,
                            "--user",
                            orders.user(),
                            "--store",
                            store)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("cutover.log").toFile())
                    .start();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!fenced(orders) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(fenced(orders))
                    .as("the cutover process holds the write-blocking lock")
                    .isTrue();
            cutover.destroyForcibly(); // SIGKILL
            assertThat(cutover.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(cutover.exitValue()).isEqualTo(137);
            claim.rollback();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (fenced(orders) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(fenced(orders))
                .as("the lock went with the killed process's connection")
                .isFalse();

        // The source is still authoritative: its guard is off, it takes writes, and captures them.
        CliRun status = CliRun.of("status", "--url", url, "--user", orders.user(), "--store", store);
        assertThat(status.out()).contains("phase      BACKFILLED", "go to orders (the source");
        MoveCutoverIT.sql(orders, "UPDATE orders SET total = total + 2 WHERE id = 2");
        assertThat(MoveCutoverIT.rows(orders, "SELECT count(*) FROM tandem.outbox"))
                .containsExactly("2");

        // Cutover again finishes the job, and loses nothing.
        CliRun again = CliRun.of("cutover", "--url", url, "--user", orders.user(), "--store", store);
        assertThat(again.exitCode()).as(again.out() + again.err()).isZero();
        assertThat(MoveCutoverIT.rows(billing, "SELECT id, total_cents FROM invoices ORDER BY id"))
                .containsExactlyElementsOf(
                        MoveCutoverIT.rows(orders, "SELECT id, (total * 100)::bigint FROM orders ORDER BY id"));
        assertThat(MoveCutoverIT.rows(billing, "SELECT total_cents FROM invoices WHERE id IN (1, 2) ORDER BY id"))
                .containsExactly("150", "300");
        try (Connection c = orders.dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute("UPDATE orders SET total = 0 WHERE id = 3");
            throw new AssertionError("the source took a write after the cutover");
        } catch (SQLException e) {
            assertThat(e.getSQLState()).isEqualTo("TD001");
        }
    }

    /** Whether another session holds the fence's EXCLUSIVE lock on orders. */
    private static boolean fenced(EmbeddedPostgres.Database orders) {
        return !MoveCutoverIT.rows(
                        orders,
                        "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'orders'"
                                + " AND l.mode = 'ExclusiveLock' AND l.granted")
                .equals(List.of());
    }
}
