package dev.tandem.testkit;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real PostgreSQL 17 server started in-process from the zonky binaries. One server per JVM is
 * shared; each caller gets its own fresh database, so tests never see each other's tables.
 *
 * <p>Thread-safe. The server stops when the JVM exits.
 */
public final class EmbeddedPostgres {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static volatile io.zonky.test.db.postgres.embedded.EmbeddedPostgres server;

    private EmbeddedPostgres() {}

    /** Starts the shared server if needed and creates an empty database on it. */
    public static Database newDatabase() {
        return newDatabase("tandem_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet());
    }

    /** Starts the shared server if needed and creates an empty database with the given name. */
    public static Database newDatabase(String name) {
        io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg = server();
        try (Connection c = pg.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\"");
        } catch (SQLException e) {
            throw new TandemException(ErrorCode.DATABASE_ERROR, "could not create database " + name, e);
        }
        return new Database(name, pg.getPort());
    }

    private static io.zonky.test.db.postgres.embedded.EmbeddedPostgres server() {
        io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg = server;
        if (pg != null) {
            return pg;
        }
        synchronized (EmbeddedPostgres.class) {
            if (server == null) {
                try {
                    server = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                            // Room for concurrent writers in tests, benchmarks and the demo.
                            .setServerConfig("max_connections", "200")
                            .setServerConfig("shared_buffers", "512MB")
                            .setServerConfig("max_wal_size", "4GB")
                            .setServerConfig("fsync", "off")
                            .setServerConfig("synchronous_commit", "off")
                            .setServerConfig("full_page_writes", "off")
                            .start();
                } catch (IOException e) {
                    throw new TandemException(
                            ErrorCode.CONNECTION_FAILED,
                            "could not start embedded PostgreSQL: " + e.getMessage()
                                    + " (it needs a writable temp directory and about 200 MB)",
                            e);
                }
                io.zonky.test.db.postgres.embedded.EmbeddedPostgres started = server;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        started.close();
                    } catch (IOException ignored) {
                        // the JVM is going away; the temp directory is cleaned by the OS
                    }
                }));
            }
            return server;
        }
    }

    /** One database on the shared server. */
    public record Database(String name, int port) {
        public String jdbcUrl() {
            return "jdbc:postgresql://localhost:" + port + "/" + name;
        }

        public String user() {
            return "postgres";
        }

        public DataSource dataSource() {
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setServerNames(new String[] {"localhost"});
            ds.setPortNumbers(new int[] {port});
            ds.setDatabaseName(name);
            ds.setUser("postgres");
            return ds;
        }
    }
}
