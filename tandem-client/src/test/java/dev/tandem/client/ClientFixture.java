package dev.tandem.client;

import dev.tandem.core.MigrationFiles;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.postgres.MigrationStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;

/**
 * The state the client tests run against, made by the real engine: a {@code customers} table, and
 * an in-store migration {@value #SPLIT} that adds {@code first_name} and renames {@code name} to {@code
 * full_name} (so only the new shape has {@code full_name}), started and backfilled. Flags are changed with plain SQL, as {@code tandem flag} does.
 */
final class ClientFixture {
    static final String SPLIT = "0001_split";
    static final String VERSION_SCHEMA = "public_0001_split";

    static final String CUSTOMERS = """
            CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
            INSERT INTO customers SELECT g, 'First' || g || ' Last' || g FROM generate_series(1, 200) g;
            """;

    private static final String SPLIT_FILE = """
            id: 0001_split
            service: customers
            owner: team-crm
            rationale: first names for greetings
            operations:
              - add_column:
                  table: customers
                  column: { name: first_name, type: text, nullable: true }
                  up: split_part(name, ' ', 1)
              - rename_column: { table: customers, from: name, to: full_name }
            """;

    private ClientFixture() {}

    /** Creates {@code customers} and starts (and backfills) {@value #SPLIT}: it is BACKFILLED. */
    static MigrationStatus startSplit(DataSource ds) throws SQLException {
        exec(ds, CUSTOMERS);
        return engine(ds, true).start(MigrationFiles.parse(SPLIT + ".yaml", SPLIT_FILE));
    }

    /** The engine over {@code ds}; with {@code backfill} false, {@code start} leaves the migration EXPANDED. */
    static Engine engine(DataSource ds, boolean backfill) {
        return Engine.create(
                ds, EngineOptions.builder().actor("test").backfill(backfill).build());
    }

    /** Creates {@code customers} and starts {@value #SPLIT} without its backfill: it is EXPANDED. */
    static Engine expandSplit(DataSource ds) throws SQLException {
        exec(ds, CUSTOMERS);
        Engine engine = engine(ds, false);
        engine.start(MigrationFiles.parse(SPLIT + ".yaml", SPLIT_FILE));
        return engine;
    }

    /** Sets a migration's flags and announces the change on tandem_state, in one transaction. */
    static void flag(DataSource ds, String id, int readsNew, String shape) throws SQLException {
        flag(ds, id, readsNew, shape, true);
    }

    /** Sets a migration's flags; with {@code notify} false nobody is told, so only polling finds out. */
    static void flag(DataSource ds, String id, int readsNew, String shape, boolean notify) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO tandem.flags (migration_id, reads_new, shape, updated_by) VALUES (?, ?, ?, 'test')
                    ON CONFLICT (migration_id) DO UPDATE SET reads_new = EXCLUDED.reads_new, shape = EXCLUDED.shape,
                      updated_at = now(), updated_by = EXCLUDED.updated_by
                    """)) {
                ps.setString(1, id);
                ps.setInt(2, readsNew);
                ps.setString(3, shape);
                ps.executeUpdate();
            }
            if (notify) {
                notify(c, id);
            }
            c.commit();
        }
    }

    static void notify(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify('tandem_state', ?)")) {
            ps.setString(1, id);
            ps.execute();
        }
    }

    static void exec(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static String value(DataSource ds, String sql) throws SQLException {
        List<List<String>> r = rows(ds, sql);
        return r.isEmpty() ? null : r.getFirst().getFirst();
    }

    static String value(Connection c, String sql) throws SQLException {
        List<List<String>> r = rows(c, sql);
        return r.isEmpty() ? null : r.getFirst().getFirst();
    }

    static List<List<String>> rows(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection()) {
            return rows(c, sql);
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

    /** Waits until {@code condition} holds, checking every few milliseconds; fails after {@code timeout}. */
    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting until " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
        }
    }

    /** The p-th percentile (0 to 100) of {@code values}, by nearest rank. */
    static long percentile(long[] values, double p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** A client of the test's store with short intervals, so that tests do not wait long. */
    static Tandem.Builder client(DataSource ds) {
        return Tandem.connect()
                .service("customers")
                .dataSource(ds)
                .heartbeatInterval(Duration.ofMillis(200))
                .pollInterval(Duration.ofSeconds(1));
    }
}
