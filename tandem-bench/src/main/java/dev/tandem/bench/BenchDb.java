package dev.tandem.bench;

import dev.tandem.core.Migration;
import dev.tandem.core.MigrationFiles;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineListener;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.testkit.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** One benchmark database on the embedded server, with the helpers every suite needs. */
final class BenchDb {
    final EmbeddedPostgres.Database db;

    BenchDb(String name) {
        this.db = EmbeddedPostgres.newDatabase(name + "_" + System.nanoTime() % 100000);
    }

    /** Connections named, so the lock sampler can tell tandem's sessions from the workload's. */
    DataSource dataSource(String applicationName) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {"localhost"});
        ds.setPortNumbers(new int[] {db.port()});
        ds.setDatabaseName(db.name());
        ds.setUser(db.user());
        ds.setApplicationName(applicationName);
        return ds;
    }

    Engine engine(EngineListener listener, boolean backfill) {
        return Engine.create(
                dataSource("tandem"),
                EngineOptions.builder().listener(listener).backfill(backfill).build());
    }

    /** Runs each statement (separated by ";" at a line end) on its own, as VACUUM requires. */
    void exec(String sql) {
        try (Connection c = dataSource("bench").getConnection();
                Statement s = c.createStatement()) {
            for (String statement : sql.split(";\\s*\\n|;\\s*$")) {
                if (!statement.isBlank()) {
                    s.execute(statement);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** Runs a statement and returns how long it took, in seconds. */
    double time(String sql) {
        long t = System.nanoTime();
        exec(sql);
        return (System.nanoTime() - t) / 1e9;
    }

    long count(String sql) {
        try (Connection c = dataSource("bench").getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** A pgbench_accounts-shaped table of {@code rows} rows, freshly written and analysed. */
    void accounts(long rows) {
        exec("DROP TABLE IF EXISTS accounts CASCADE");
        exec("""
                CREATE TABLE accounts (aid int NOT NULL, bid int NOT NULL, abalance int NOT NULL, filler char(84));
                INSERT INTO accounts SELECT g, 1 + g / 100000, (g::bigint * 7919 %% 100000)::int, '' FROM generate_series(1, %d) g;
                ALTER TABLE accounts ADD PRIMARY KEY (aid);
                VACUUM ANALYZE accounts;
                CHECKPOINT;
                """.formatted(rows));
    }

    static Migration migration(String id, String operations) {
        return MigrationFiles.parse(
                id + ".yaml",
                "id: " + id + "\nservice: bench\nowner: bench\nrationale: benchmark\noperations:\n" + operations);
    }

    static void log(String message) {
        System.err.println("[bench] " + message);
    }
}
