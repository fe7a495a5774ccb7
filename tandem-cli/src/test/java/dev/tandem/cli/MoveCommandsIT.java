package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A move_table through the commands, against a source and a target store: lint needs neither, plan
 * and start check the move against both and refuse every problem, and migrate refuses a move. None
 * of them changes either store (MoveLifecycleIT runs a move that fits).
 */
class MoveCommandsIT {
    private static final String MOVE = MoveFixture.MOVE;

    @TempDir
    Path dir;

    EmbeddedPostgres.Database orders;
    EmbeddedPostgres.Database billing;
    String before;

    @BeforeEach
    void stores() {
        orders = EmbeddedPostgres.newDatabase();
        billing = EmbeddedPostgres.newDatabase();
        sql(orders, """
                CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total numeric(12, 2));
                INSERT INTO orders VALUES (1, 10, 9.99), (2, 11, 0.50);
                """);
        sql(billing, """
                CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total_cents bigint);
                """);
        before = describe(orders, "orders") + describe(billing, "invoices");
    }

    @AfterEach
    void shouldChangeNeitherStore() {
        assertThat(describe(orders, "orders") + describe(billing, "invoices")).isEqualTo(before);
    }

    @Test
    void shouldLintAMoveWithoutAnyDatabase() throws IOException {
        CliRun run = CliRun.withEnvironment(Map.of(), "lint", file(MOVE).toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("1 migration, no findings");
    }

    @Test
    void shouldPlanAMoveThatFitsBothStores() throws IOException {
        Path file = file(MOVE);

        CliRun run = CliRun.withEnvironment(
                Map.of("TANDEM_STORE_BILLING_URL", url(billing)), "plan", file.toString(), "--url", url(orders));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("move_table at " + file + ":6:5: public.orders to table invoices in store billing, key (id):"
                        + " fits both stores");
    }

    @Test
    void shouldRefuseToPlanOrStartAMoveThatDoesNotFitWithEveryProblemAtItsPlace() throws IOException {
        Path file = file(MOVE.replace("total_cents: ", "total_cent: "));

        for (String command : List.of("plan", "start")) {
            CliRun run =
                    CliRun.of(command, file.toString(), "--url", url(orders), "--store", "billing=" + url(billing));

            assertThat(run.exitCode()).as(command + ": " + run.err()).isEqualTo(2);
            assertThat(run.err())
                    .as(command)
                    .contains("error [SCHEMA_MISMATCH]: " + file + ": move_table does not fit its stores (1 problem);"
                            + " nothing was changed:")
                    .contains(file + ":6:5: column invoices.total_cent does not exist in table public.invoices in"
                            + " store billing; map only its columns (id, customer_id, total_cents)");
            assertThat(run.out()).as(command).doesNotContain("EXPAND");
        }
    }

    @Test
    void shouldRefuseToMigrateADirectoryWithAMove() throws IOException {
        file(MOVE);

        CliRun run = CliRun.of("migrate", dir.toString(), "--url", url(orders));

        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        assertThat(run.err())
                .contains("refusing to migrate: 0007_move_orders moves a table to another store")
                .contains("--store billing=URL");
    }

    // ---- fixtures

    private Path file(String text) throws IOException {
        return Files.writeString(dir.resolve("0007_move_orders.yaml"), text);
    }

    private static String url(EmbeddedPostgres.Database db) {
        return "postgres://" + db.user() + "@localhost:" + db.port() + "/" + db.name();
    }

    private static void sql(EmbeddedPostgres.Database db, String sql) {
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** Every schema, relation, column and trigger of the store, and the rows of {@code table}. */
    private static String describe(EmbeddedPostgres.Database db, String table) {
        List<String> lines = new ArrayList<>();
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("""
                        SELECT 'schema ' || nspname FROM pg_namespace
                        UNION ALL
                        SELECT c.relname || ' ' || c.relkind::text || coalesce(' ' || a.attname, '')
                        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                        UNION ALL
                        SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal
                        ORDER BY 1""")) {
            while (rs.next()) {
                lines.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT coalesce(string_agg(t::text, ',' ORDER BY t::text), '') FROM " + table + " t")) {
            rs.next();
            lines.add(rs.getString(1));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return String.join("\n", lines);
    }
}
