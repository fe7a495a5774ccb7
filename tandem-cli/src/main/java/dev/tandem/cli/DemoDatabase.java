package dev.tandem.cli;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The demo's own SQL against its {@code customers} table: seeding, the expected-content snapshot, and
 * the queries its checks run. Every table name is schema-qualified, so the session's search_path
 * cannot change what a check reads.
 */
final class DemoDatabase {
    static final List<String> FIRST_NAMES =
            List.of("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Frances", "Tony");
    /** Some last names have a space: the migration's {@code up} keeps everything after the first word. */
    static final List<String> LAST_NAMES = List.of(
            "Lovelace",
            "Hopper",
            "Turing",
            "Dijkstra",
            "Liskov",
            "Knuth",
            "Hamilton",
            "Thompson",
            "Allen",
            "Hoare",
            "van Rossum",
            "de Morgan");

    private final DataSource dataSource;

    DemoDatabase(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    DataSource dataSource() {
        return dataSource;
    }

    /** Creates {@code customers} with {@code rows} rows; every 50th has no email. */
    void seed(int rows) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            execute(c, "CREATE TABLE public.customers (id serial PRIMARY KEY, name text NOT NULL, email text)");
            try (PreparedStatement insert = c.prepareStatement("""
                    INSERT INTO public.customers (name, email)
                    SELECT n.first[1 + i % cardinality(n.first)] || ' ' || n.last[1 + (i / 10) % cardinality(n.last)],
                           CASE WHEN i % 50 = 0 THEN NULL ELSE 'customer' || i || '@example.com' END
                    FROM generate_series(1, ?) AS i, (SELECT ?::text[] AS first, ?::text[] AS last) AS n
                    """)) {
                insert.setInt(1, rows);
                insert.setArray(2, c.createArrayOf("text", FIRST_NAMES.toArray()));
                insert.setArray(3, c.createArrayOf("text", LAST_NAMES.toArray()));
                insert.executeUpdate();
            }
            execute(c, "ANALYZE public.customers");
        }
    }

    /** Copies the table aside, so the end of the demo can compare against it plus every write. */
    void snapshot() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            execute(c, "CREATE SCHEMA demo_check");
            execute(c, "CREATE TABLE demo_check.expected AS SELECT id, name, email FROM public.customers");
            execute(c, "ALTER TABLE demo_check.expected ADD PRIMARY KEY (id)");
        }
    }

    /** Applies the writers' last write to each row to the snapshot. */
    void applyToSnapshot(Collection<DemoWriter.Row> rows) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement upsert = c.prepareStatement("""
                        INSERT INTO demo_check.expected (id, name, email) VALUES (?, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email
                        """)) {
            for (DemoWriter.Row row : rows) {
                upsert.setLong(1, row.id());
                upsert.setString(2, row.name());
                upsert.setString(3, row.email());
                upsert.addBatch();
            }
            upsert.executeBatch();
        }
    }

    /** Row count and an MD5 over every row of the snapshot, in the old shape. */
    String expectedChecksum() throws SQLException {
        return checksum("id || '|' || name || '|' || coalesce(email, '<null>')", "demo_check.expected");
    }

    /** The same over the live table in the old shape (before complete, or after rollback). */
    String oldShapeChecksum() throws SQLException {
        return checksum("id || '|' || name || '|' || coalesce(email, '<null>')", "public.customers");
    }

    /** The same over the live table in the new shape, with the name put back together. */
    String newShapeChecksum() throws SQLException {
        return checksum(
                "id || '|' || first_name || ' ' || last_name || '|' || coalesce(email_address, '<null>')",
                "public.customers");
    }

    private String checksum(String rowText, String table) throws SQLException {
        return single("SELECT count(*) || ' rows, md5 ' || md5(coalesce(string_agg(" + rowText
                + ", E'\\n' ORDER BY id), '')) FROM " + table);
    }

    /** Each column of {@code public.customers}: name, type, NOT NULL and default, in table order. */
    List<String> columns() throws SQLException {
        return list("""
                SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
                FROM pg_attribute a
                LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                WHERE a.attrelid = 'public.customers'::regclass AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY a.attnum
                """);
    }

    /** Just the column names of {@code public.customers}, in table order. */
    List<String> columnNames() throws SQLException {
        return list("""
                SELECT attname FROM pg_attribute
                WHERE attrelid = 'public.customers'::regclass AND attnum > 0 AND NOT attisdropped
                ORDER BY attnum
                """);
    }

    /** The triggers on {@code public.customers} that someone created (not those behind constraints). */
    List<String> triggers() throws SQLException {
        return list("SELECT tgname FROM pg_trigger WHERE tgrelid = 'public.customers'::regclass AND NOT tgisinternal"
                + " ORDER BY tgname");
    }

    boolean schemaExists(String schema) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT count(*) FROM pg_namespace WHERE nspname = ?")) {
            s.setString(1, schema);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }

    long count(String table) throws SQLException {
        return Long.parseLong(single("SELECT count(*) FROM " + table));
    }

    /**
     * Joins the table (old shape) to the version schema's view (new shape) by id and counts the rows,
     * and those where the two shapes disagree: a row missing from either, a name that is not
     * first_name || ' ' || last_name, or an email that is not email_address.
     */
    long[] shapesDisagree(String versionSchema) throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("""
                        SELECT count(*),
                               count(*) FILTER (WHERE o.id IS NULL OR n.id IS NULL
                                   OR o.name IS DISTINCT FROM n.first_name || ' ' || n.last_name
                                   OR o.email IS DISTINCT FROM n.email_address)
                        FROM public.customers o FULL JOIN %s.customers n ON n.id = o.id
                        """.formatted(quote(versionSchema)))) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    /** Reads rows by id in the old shape, as an old client does; the name is split at its first space. */
    Map<Long, DemoWriter.Row> readOldShape(Collection<Long> ids) throws SQLException {
        return read(
                ids,
                null,
                "SELECT id, split_part(name, ' ', 1), substr(name, length(split_part(name, ' ', 1)) + 2), email"
                        + " FROM customers WHERE id = ANY(?)");
    }

    /**
     * Reads rows by id in the new shape: through the version schema, or with the default search_path when
     * {@code versionSchema} is null (after complete, the table itself has the new shape).
     */
    Map<Long, DemoWriter.Row> readNewShape(Collection<Long> ids, String versionSchema) throws SQLException {
        return read(
                ids, versionSchema, "SELECT id, first_name, last_name, email_address FROM customers WHERE id = ANY(?)");
    }

    private Map<Long, DemoWriter.Row> read(Collection<Long> ids, String versionSchema, String select)
            throws SQLException {
        Map<Long, DemoWriter.Row> rows = new HashMap<>();
        try (Connection c = connect(versionSchema);
                PreparedStatement s = c.prepareStatement(select)) {
            Array array = c.createArrayOf("bigint", ids.toArray());
            s.setArray(1, array);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.put(
                            rs.getLong(1),
                            new DemoWriter.Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                }
            }
        }
        return rows;
    }

    /** A connection in the old shape (versionSchema null) or the new one, as a client would open it. */
    Connection connect(String versionSchema) throws SQLException {
        Connection c = dataSource.getConnection();
        if (versionSchema != null) {
            try (Statement s = c.createStatement()) {
                s.execute("SET search_path = " + quote(versionSchema) + ", public");
            } catch (SQLException e) {
                c.close();
                throw e;
            }
        }
        return c;
    }

    static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    private String single(String sql) throws SQLException {
        List<String> values = list(sql);
        return values.isEmpty() ? null : values.get(0);
    }

    private List<String> list(String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
