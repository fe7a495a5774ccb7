package dev.tandem.testkit;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A PostgreSQL 17 server of one's own, for a test that stops and restarts it: the shared server of
 * {@link EmbeddedPostgres} keeps running for every other test. A restart is a real one ({@code
 * pg_ctl stop -m fast}, which ends every session, then a start on the same data directory and port),
 * so databases and committed data survive it and connections do not.
 *
 * <p>Not thread-safe: one test drives it. Close it when done; the caller owns the data directory.
 */
public final class DedicatedPostgres implements AutoCloseable {
    private final Path dataDirectory;
    private int port;
    private io.zonky.test.db.postgres.embedded.EmbeddedPostgres server;

    private DedicatedPostgres(Path dataDirectory) {
        this.dataDirectory = dataDirectory;
    }

    /** Initialises a cluster in {@code dataDirectory} (an empty directory) and starts it on a free port. */
    public static DedicatedPostgres start(Path dataDirectory) {
        DedicatedPostgres pg = new DedicatedPostgres(dataDirectory);
        pg.start();
        return pg;
    }

    /** Creates an empty database with the given name. */
    public EmbeddedPostgres.Database newDatabase(String name) {
        try (Connection c = server.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\"");
        } catch (SQLException e) {
            throw new TandemException(ErrorCode.DATABASE_ERROR, "could not create database " + name, e);
        }
        return new EmbeddedPostgres.Database(name, port);
    }

    /** Starts the server again on its data directory and port; a no-op when it runs. */
    public void start() {
        if (server != null) {
            return;
        }
        try {
            var builder = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    .setServerConfig("fsync", "off")
                    .setServerConfig("full_page_writes", "off");
            if (port != 0) {
                builder.setPort(port);
            }
            server = builder.start();
            port = server.getPort();
        } catch (IOException e) {
            throw new TandemException(
                    ErrorCode.CONNECTION_FAILED, "could not start a dedicated PostgreSQL: " + e.getMessage(), e);
        }
    }

    /** Stops the server fast: every session ends at once, as in a crash of the clients' side. */
    public void stop() {
        if (server == null) {
            return;
        }
        try {
            server.close();
        } catch (IOException e) {
            throw new TandemException(ErrorCode.CONNECTION_FAILED, "could not stop PostgreSQL: " + e.getMessage(), e);
        } finally {
            server = null;
        }
    }

    public void restart() {
        stop();
        start();
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        stop();
    }
}
