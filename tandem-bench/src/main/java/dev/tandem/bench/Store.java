package dev.tandem.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * One database on one of the relay benchmarks' servers: the source or a target. Connections are
 * named after the store's role so that {@code pg_stat_activity} tells them apart.
 *
 * @param role "source" or "target", for messages
 * @param port the server's port on localhost
 * @param database the database name
 */
record Store(String role, int port, String database) {
    static final String USER = "postgres";

    DataSource dataSource(String applicationName) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {"localhost"});
        ds.setPortNumbers(new int[] {port});
        ds.setDatabaseName(database);
        ds.setUser(USER);
        ds.setApplicationName(applicationName);
        // Multi-row INSERTs from a batch: the workload writer's inserts are one statement a transaction.
        ds.setReWriteBatchedInserts(true);
        return ds;
    }

    Connection connect(String applicationName) throws SQLException {
        return dataSource(applicationName).getConnection();
    }

    /** A libpq connection string, as CREATE SUBSCRIPTION takes it. */
    String conninfo() {
        return "host=localhost port=" + port + " dbname=" + database + " user=" + USER;
    }

    /** Runs each statement, in autocommit. */
    void exec(String... statements) {
        try (Connection c = connect("bench-" + role);
                Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(role + " " + database + ": " + e.getMessage(), e);
        }
    }

    /** The first column of the first row, as text; null when there is no row. */
    String query(String sql) {
        try (Connection c = connect("bench-" + role);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(role + " " + database + ": " + e.getMessage() + "\n" + sql, e);
        }
    }

    @Override
    public String toString() {
        return role + " " + database + " on port " + port;
    }
}
