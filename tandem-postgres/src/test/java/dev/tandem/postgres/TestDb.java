package dev.tandem.postgres;

import dev.tandem.core.Migration;
import dev.tandem.core.MigrationFiles;
import dev.tandem.testkit.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Small helpers over one test database: run SQL in either shape, and fingerprint a table. */
final class TestDb {
    /**
     * One fresh platform thread per task. The common pool may have a single worker on a 2-core
     * machine, where a long-running writer would starve every other task.
     */
    static final java.util.concurrent.Executor THREADS =
            r -> Thread.ofPlatform().daemon().start(r);

    final EmbeddedPostgres.Database db;

    TestDb(EmbeddedPostgres.Database db) {
        this.db = db;
    }

    Engine engine() {
        return Engine.create(db.dataSource(), EngineOptions.builder().build());
    }

    Engine engine(EngineOptions options) {
        return Engine.create(db.dataSource(), options);
    }

    static Migration migration(String id, String operationsYaml, String deprecationsYaml) {
        String text = "id: " + id + "\nservice: test\nowner: team\nrationale: test\n"
                + (deprecationsYaml == null ? "" : "deprecations:\n" + deprecationsYaml)
                + "operations:\n" + operationsYaml;
        return MigrationFiles.parse(id + ".yaml", text);
    }

    Connection old() throws SQLException {
        return db.dataSource().getConnection();
    }

    /** A connection that sees the new shape of migration {@code id} on schema public. */
    Connection newShape(String id) throws SQLException {
        Connection c = db.dataSource().getConnection();
        try (Statement s = c.createStatement()) {
            s.execute("SET search_path = public_" + id + ", public");
        }
        return c;
    }

    void exec(String sql) {
        try (Connection c = old();
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    static List<List<String>> rows(Connection c, String sql) throws SQLException {
        List<List<String>> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getString(i));
                }
                out.add(row);
            }
        }
        return out;
    }

    List<List<String>> rows(String sql) {
        try (Connection c = old()) {
            return rows(c, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    String value(String sql) {
        List<List<String>> r = rows(sql);
        return r.isEmpty() ? null : r.getFirst().getFirst();
    }

    /** A checksum of every row of a table, independent of physical order. */
    String rowChecksum(String table) {
        return value("SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM " + table + " t");
    }

    /**
     * The table's definition as the catalog holds it: columns (in order, with types, nullability and
     * defaults), constraints, indexes and triggers.
     */
    String definition(String table) {
        return String.join(
                "\n", rows("""
                SELECT 'column ' || attnum || ' ' || attname || ' ' || format_type(atttypid, atttypmod) || ' ' || attnotnull
                       || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
                FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                WHERE attrelid = '%1$s'::regclass AND attnum > 0 AND NOT attisdropped
                UNION ALL
                SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = '%1$s'::regclass
                UNION ALL
                SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname || '.' || tablename = '%1$s'
                UNION ALL
                SELECT 'trigger ' || tgname FROM pg_trigger WHERE tgrelid = '%1$s'::regclass
                ORDER BY 1
                """.formatted(table)).stream().map(r -> r.getFirst()).toList());
    }

    /** Every schema and relation in the database, for "nothing changed" checks. */
    String everything() {
        return String.join("\n", rows("""
                SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                UNION ALL SELECT 'schema ' || nspname FROM pg_namespace
                UNION ALL SELECT 'function ' || proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                          WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
                UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal
                ORDER BY 1""").stream().map(r -> r.getFirst()).toList())
                + "\n" + definition("public.customers");
    }
}
