package dev.tandem.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.core.MigrationFiles;
import dev.tandem.postgres.EngineListener;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The in-store migration of the client benchmarks, {@code examples/0001_split_customer_name.yaml}'s:
 * {@code customers.name} split in two and {@code email} renamed, started (expanded and backfilled) on
 * a database of the shared embedded server, and the means to set its flags as {@code tandem flag}
 * does: one transaction that writes {@code tandem.flags} and announces the change on {@code
 * tandem_state}.
 *
 * <p>Not thread-safe.
 */
final class ClientInStore {
    static final String ID = "0001_split_customer_name";

    private static final String FILE = """
            id: 0001_split_customer_name
            service: customers
            owner: team-crm
            rationale: Names are split for localised greetings
            schema: public
            deprecations:
              - { field: customers.name, sunset: 2026-01-01 }
              - { field: customers.email, sunset: 2026-01-01 }
            operations:
              - add_column:
                  table: customers
                  column: { name: first_name, type: text, nullable: true }
                  up: split_part(name, ' ', 1)
              - add_column:
                  table: customers
                  column: { name: last_name, type: text, nullable: true }
                  up: substr(name, length(split_part(name, ' ', 1)) + 2)
              - drop_column: { table: customers, column: name, down: "concat_ws(' ', first_name, last_name)" }
              - rename_column: { table: customers, from: email, to: email_address }
            """;

    private static final String SET_FLAGS = """
            INSERT INTO tandem.flags (migration_id, reads_new, shape, updated_by)
            VALUES (?, ?, ?, 'tandem-bench')
            ON CONFLICT (migration_id) DO UPDATE
            SET reads_new = excluded.reads_new, shape = excluded.shape, updated_at = now(),
                updated_by = excluded.updated_by""";

    final BenchDb db;

    private ClientInStore(BenchDb db) {
        this.db = db;
    }

    /** A fresh database with {@code rows} customers, and the migration started on it (BACKFILLED). */
    static ClientInStore start(String name, long rows) {
        BenchDb db = new BenchDb(name);
        db.exec("""
                CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text);
                INSERT INTO customers (name, email)
                  SELECT 'Ada Lovelace ' || g, 'ada' || g || '@example.com' FROM generate_series(1, %d) g;
                VACUUM ANALYZE customers
                """.formatted(rows));
        db.engine(EngineListener.NONE, true).start(MigrationFiles.parse(ID + ".yaml", FILE));
        return new ClientInStore(db);
    }

    /** Sets the flags and announces them, in one transaction; returns how long that took, in ns. */
    long setFlags(int readsNew, String shape) throws SQLException {
        try (Connection c = db.dataSource("tandem-flag").getConnection()) {
            long t = System.nanoTime();
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(SET_FLAGS);
                    PreparedStatement notify = c.prepareStatement("SELECT pg_notify('tandem_state', ?)")) {
                ps.setString(1, ID);
                ps.setInt(2, readsNew);
                ps.setString(3, shape);
                ps.executeUpdate();
                notify.setString(1, ID);
                notify.execute();
            }
            c.commit();
            return System.nanoTime() - t;
        }
    }

    /** A service's pool over this database, of at most {@code size} connections, {@code idle} kept open. */
    HikariDataSource pool(String name, int size, int idle) {
        HikariConfig config = new HikariConfig();
        config.setDataSource(db.dataSource(name));
        config.setPoolName(name);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(idle);
        return new HikariDataSource(config);
    }
}
