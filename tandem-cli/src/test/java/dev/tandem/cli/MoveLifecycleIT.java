package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A move as a user runs it: {@code start --store} installs capture and copies the rows, writes go on
 * on the source, {@code relay --drain} delivers them, {@code dead-letters} lists what the target
 * refused, {@code complete} refuses before the cutover, and {@code rollback --store} takes the
 * move down on both stores while the source keeps every write.
 */
class MoveLifecycleIT {
    @TempDir
    Path dir;

    @Test
    void shouldStartDeliverAndRollBackAMove() throws Exception {
        EmbeddedPostgres.Database orders = EmbeddedPostgres.newDatabase();
        EmbeddedPostgres.Database billing = EmbeddedPostgres.newDatabase();
        sql(orders, MoveFixture.ORDERS);
        sql(billing, MoveFixture.INVOICES);
        Path file = Files.writeString(dir.resolve(MoveFixture.FILE_NAME), MoveFixture.MOVE);
        String store = MoveFixture.store(billing);
        String source = orders.jdbcUrl();

        CliRun start = CliRun.of("start", file.toString(), "--url", source, "--user", orders.user(), "--store", store);
        assertThat(start.exitCode()).as(start.out() + start.err()).isZero();
        assertThat(start.out()).contains("capture installed", "copied 500 existing rows", "BACKFILLED");
        assertThat(rows(billing, "SELECT count(*) FROM invoices")).containsExactly("500");

        sql(orders, """
                INSERT INTO orders VALUES (501, 1, 1.25);
                UPDATE orders SET total = total + 1 WHERE id <= 50;
                DELETE FROM orders WHERE id BETWEEN 100 AND 119;
                UPDATE orders SET total = 5000 WHERE id = 7;
                """);
        CliRun relay = CliRun.of(
                "relay", "--drain", "--url", source, "--user", orders.user(), "--store", store, "--max-attempts", "1");
        assertThat(relay.exitCode()).as(relay.out() + relay.err()).isZero();
        assertThat(relay.out()).contains("the outbox is empty", "1 parked");
        assertThat(rows(billing, "SELECT id, customer_id, total_cents FROM invoices WHERE id <> 7 ORDER BY id"))
                .containsExactlyElementsOf(rows(
                        orders,
                        "SELECT id, customer_id, (total * 100)::bigint FROM orders" + " WHERE id <> 7 ORDER BY id"));

        CliRun status = CliRun.of("status", "--url", source, "--user", orders.user(), "--store", store);
        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(status.out())
                .contains(
                        "move       orders -> billing.invoices: catching up, not BACKFILLED: 1 open dead letter",
                        "  backlog  0 changes to deliver",
                        "  copy     done: 500 rows");

        CliRun dead = CliRun.of("dead-letters", "--url", source, "--user", orders.user());
        assertThat(dead.exitCode()).as(dead.err()).isZero();
        assertThat(dead.out()).contains("0007_move_orders.orders", "(7)", "open", "invoices_total_cents_check");

        CliRun complete = CliRun.of("complete", "--url", source, "--user", orders.user(), "--store", store);
        assertThat(complete.exitCode()).isEqualTo(1);
        assertThat(complete.err()).contains("`tandem cutover` hands the writes over first");

        CliRun rollback = CliRun.of("rollback", "--url", source, "--user", orders.user(), "--store", store);
        assertThat(rollback.exitCode()).as(rollback.out() + rollback.err()).isZero();
        assertThat(rows(
                        orders,
                        "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND NOT tgisinternal"))
                .containsExactly("0");
        assertThat(rows(
                        orders,
                        "SELECT (SELECT count(*) FROM tandem.outbox) + (SELECT count(*) FROM tandem.moves)"
                                + " + (SELECT count(*) FROM tandem.dead_letters)"))
                .containsExactly("0");
        assertThat(rows(billing, "SELECT count(*) FROM tandem.applied")).containsExactly("0");
        assertThat(rows(orders, "SELECT count(*), sum(total) FROM orders")).containsExactly("481|" + sum(orders));
    }

    private static String sum(EmbeddedPostgres.Database db) {
        return rows(db, "SELECT sum(total) FROM orders").getFirst();
    }

    private static void sql(EmbeddedPostgres.Database db, String sql) {
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    private static List<String> rows(EmbeddedPostgres.Database db, String sql) {
        List<String> out = new ArrayList<>();
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> v = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    v.add(rs.getString(i));
                }
                out.add(String.join("|", v));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
        return out;
    }
}
