package dev.tandem.cli;

import dev.tandem.relay.MoveSpec;
import dev.tandem.relay.MoveStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * The demo's own SQL for the move: the {@code orders} table on the source store, the {@code invoices}
 * table on the target store (as the billing service's own migration would create it), both sides'
 * rows for the final comparison, and what a move may leave behind. Every table name is
 * schema-qualified.
 */
final class DemoStores {
    private final DataSource source;
    private final DataSource target;

    DemoStores(DataSource source, DataSource target) {
        this.source = source;
        this.target = target;
    }

    DataSource source() {
        return source;
    }

    DataSource target() {
        return target;
    }

    /** Where the move's delivery stands: backlog, lag, applied per second, dead letters, the copy. */
    MoveStatus status(MoveSpec move) throws SQLException {
        return MoveStatus.of(source, target, move.migrationId());
    }

    /** Creates {@code orders} with {@code rows} rows on the source; every 50th has no total. */
    void seedOrders(int rows) throws SQLException {
        try (Connection c = source.getConnection()) {
            execute(c, """
                    CREATE TABLE public.orders (
                      id bigserial PRIMARY KEY, customer_id bigint NOT NULL, total numeric(12, 2))
                    """);
            try (PreparedStatement insert = c.prepareStatement("""
                    INSERT INTO public.orders (customer_id, total)
                    SELECT 1 + i % 997, CASE WHEN i % 50 = 0 THEN NULL ELSE (i % 10000) * 1.25 END
                    FROM generate_series(1, ?) AS i
                    """)) {
                insert.setInt(1, rows);
                insert.executeUpdate();
            }
            execute(c, "ANALYZE public.orders");
        }
    }

    /** Creates the empty {@code invoices} table on the target, as its owner's migration would. */
    void createInvoices() throws SQLException {
        try (Connection c = target.getConnection()) {
            execute(c, """
                    CREATE TABLE public.invoices (
                      id bigint PRIMARY KEY, customer_id bigint NOT NULL, total_cents bigint)
                    """);
        }
    }

    /** The source's rows mapped through the move's {@code columns}, one string a row, in key order. */
    List<String> sourceProjected(MoveSpec move) throws SQLException {
        String select = asText(move.columns().values().stream()
                .map(expression -> "(" + expression + ")")
                .toList());
        return rows(
                source,
                "SELECT " + select + " FROM " + table(move.sourceSchema(), move.sourceTable()) + " ORDER BY "
                        + quoted(move.sourceKey()));
    }

    /** The target's rows, the mapped columns in the same order, in key order. */
    List<String> targetRows(MoveSpec move) throws SQLException {
        String select =
                asText(move.columns().keySet().stream().map(DemoDatabase::quote).toList());
        return rows(
                target,
                "SELECT " + select + " FROM " + table(move.targetSchema(), move.targetTable()) + " ORDER BY "
                        + quoted(move.targetKey()));
    }

    long orders() throws SQLException {
        return Long.parseLong(rows(source, "SELECT count(*) FROM public.orders").getFirst());
    }

    /**
     * The values as text, named apart from every column: ORDER BY a bare name would otherwise pick the
     * text output column of that name, and sort the key as text.
     */
    private static String asText(List<String> values) {
        List<String> select = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            select.add(values.get(i) + "::text AS _demo_" + i);
        }
        return String.join(", ", select);
    }

    private static String table(String schema, String table) {
        return DemoDatabase.quote(schema) + "." + DemoDatabase.quote(table);
    }

    private static String quoted(List<String> columns) {
        return columns.stream().map(DemoDatabase::quote).collect(Collectors.joining(", "));
    }

    /** Each row as its columns' text joined by '|', NULL as {@code <null>}. */
    private static List<String> rows(DataSource store, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = store.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= columns; i++) {
                    String value = rs.getString(i);
                    row.append(i > 1 ? "|" : "").append(value == null ? "<null>" : value);
                }
                rows.add(row.toString());
            }
        }
        return rows;
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
