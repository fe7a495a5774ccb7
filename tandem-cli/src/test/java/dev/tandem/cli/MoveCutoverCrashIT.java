package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.EmbeddedPostgres;
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
 * A {@code tandem cutover} or {@code revert} process killed with SIGKILL while it holds the fence: its
 * lock goes with its connection, the side that was authoritative still is and takes (and captures)
 * writes, nothing is lost, and running the command again hands the writes over.
 */
class MoveCutoverCrashIT {
    @TempDir
    Path dir;

    @Test
    void shouldLeaveTheSourceAuthoritativeWhenACutoverIsKilledInsideTheFence() throws Exception {
        EmbeddedPostgres.Database orders = EmbeddedPostgres.newDatabase();
        EmbeddedPostgres.Database billing = EmbeddedPostgres.newDatabase();
        String store = MoveFixture.store(billing);
        String url = orders.jdbcUrl();
        MoveFixture.start(dir, orders, billing);
        verify(url, orders, store);

        MoveCutoverIT.sql(orders, "UPDATE orders SET total = total + 1 WHERE id = 1");
        killInsideTheFence(orders, orders, "orders", "cutover", url, store);
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

    @Test
    void shouldLeaveTheTargetAuthoritativeWhenARevertIsKilledInsideTheFence() throws Exception {
        EmbeddedPostgres.Database orders = EmbeddedPostgres.newDatabase();
        EmbeddedPostgres.Database billing = EmbeddedPostgres.newDatabase();
        String store = MoveFixture.store(billing);
        String url = orders.jdbcUrl();
        MoveFixture.start(dir, orders, billing);
        verify(url, orders, store);
        assertThat(CliRun.of("cutover", "--url", url, "--user", orders.user(), "--store", store)
                        .exitCode())
                .isZero();

        MoveCutoverIT.sql(billing, "UPDATE invoices SET total_cents = 4200 WHERE id = 1");
        killInsideTheFence(orders, billing, "invoices", "revert", url, store);

        // The target is still authoritative: it takes writes and captures them; the source refuses them.
        CliRun status = CliRun.of("status", "--url", url, "--user", orders.user(), "--store", store);
        assertThat(status.out()).contains("phase      CUT_OVER", "go to billing.invoices (cut over");
        MoveCutoverIT.sql(billing, "UPDATE invoices SET total_cents = 4300 WHERE id = 2");
        assertThat(MoveCutoverIT.rows(billing, "SELECT count(*) FROM tandem.outbox"))
                .containsExactly("2");

        // Revert again finishes the job, and loses nothing.
        CliRun again = CliRun.of("revert", "--url", url, "--user", orders.user(), "--store", store);
        assertThat(again.exitCode()).as(again.out() + again.err()).isZero();
        assertThat(MoveCutoverIT.rows(orders, "SELECT id, (total * 100)::bigint FROM orders ORDER BY id"))
                .containsExactlyElementsOf(
                        MoveCutoverIT.rows(billing, "SELECT id, total_cents FROM invoices ORDER BY id"));
        assertThat(MoveCutoverIT.rows(orders, "SELECT total FROM orders WHERE id IN (1, 2) ORDER BY id"))
                .containsExactly("42.00", "43.00");
        MoveCutoverIT.sql(orders, "UPDATE orders SET total = 0 WHERE id = 3");
        try (Connection c = billing.dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute("UPDATE invoices SET total_cents = 0 WHERE id = 3");
            throw new AssertionError("the target took a write after the revert");
        } catch (SQLException e) {
            assertThat(e.getSQLState()).isEqualTo("TD001");
        }
    }

    /** Runs `tandem verify`, which the cutover gate wants passed first, and expects it to pass. */
    private static void verify(String url, EmbeddedPostgres.Database orders, String store) {
        CliRun verify = CliRun.of("verify", "--url", url, "--user", orders.user(), "--store", store);
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
    }

    /**
     * Runs {@code command} in a process of its own and kills it with SIGKILL while it holds the fence's
     * lock on {@code table} in {@code fenced}: another relay's claim, which it does not commit, makes the
     * fence wait for it under the lock.
     */
    private void killInsideTheFence(
            EmbeddedPostgres.Database orders,
            EmbeddedPostgres.Database fenced,
            String table,
            String command,
            String url,
            String store)
            throws Exception {
        try (Connection claim = fenced.dataSource().getConnection();
                Statement s = claim.createStatement()) {
            claim.setAutoCommit(false);
            s.execute("DELETE FROM tandem.outbox WHERE id = (SELECT min(id) FROM tandem.outbox)");
            Process process = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            TandemCli.class.getName(),
                            command,
                            "--url",
                            url,
                            "--user",
                            orders.user(),
                            "--store",
                            store)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve(command + ".log").toFile())
                    .start();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!fenced(fenced, table) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(fenced(fenced, table))
                    .as("the " + command + " process holds the write-blocking lock")
                    .isTrue();
            process.destroyForcibly(); // SIGKILL
            assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isEqualTo(137);
            claim.rollback();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (fenced(fenced, table) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(fenced(fenced, table))
                .as("the lock went with the killed process's connection")
                .isFalse();
    }

    /** Whether another session holds the fence's EXCLUSIVE lock on {@code table}. */
    private static boolean fenced(EmbeddedPostgres.Database db, String table) {
        return !MoveCutoverIT.rows(
                        db,
                        "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = '" + table
                                + "' AND l.mode = 'ExclusiveLock' AND l.granted")
                .equals(List.of());
    }
}
