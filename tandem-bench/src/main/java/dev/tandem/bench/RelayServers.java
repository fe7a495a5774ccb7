package dev.tandem.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The two PostgreSQL 17 servers of the relay benchmarks, a source and a target, each a server of its
 * own on this machine. Unlike the shared test server they keep PostgreSQL's durable defaults: fsync
 * and full-page writes on, and synchronous_commit on (zonky turns it off unless told), because the
 * relay's figures include commit latency. Logical decoding is on for the baselines.
 *
 * <p>Not thread-safe: the benchmark drives it from one thread. Close it to stop both servers.
 */
final class RelayServers implements AutoCloseable {
    /** The settings the report states, read back from the running source server. */
    static final String[] REPORTED = {
        "server_version",
        "fsync",
        "synchronous_commit",
        "full_page_writes",
        "wal_level",
        "shared_buffers",
        "max_wal_size",
        "checkpoint_timeout"
    };

    private final EmbeddedPostgres source;
    private final EmbeddedPostgres target;
    private int databases;

    private RelayServers(EmbeddedPostgres source, EmbeddedPostgres target) {
        this.source = source;
        this.target = target;
    }

    static RelayServers start() {
        EmbeddedPostgres source = server();
        try {
            return new RelayServers(source, server());
        } catch (RuntimeException e) {
            close(source);
            throw e;
        }
    }

    private static EmbeddedPostgres server() {
        try {
            return EmbeddedPostgres.builder()
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("max_replication_slots", "16")
                    .setServerConfig("max_wal_senders", "16")
                    .setServerConfig("max_logical_replication_workers", "8")
                    .setServerConfig("max_worker_processes", "16")
                    .setServerConfig("shared_buffers", "512MB")
                    // Room for a 10M-row copy and a 1M-change backlog between checkpoints: the figures
                    // measure delivery, not checkpoint storms.
                    .setServerConfig("max_wal_size", "8GB")
                    .setServerConfig("checkpoint_timeout", "15min")
                    .setServerConfig("max_connections", "100")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start an embedded PostgreSQL for the relay benchmarks", e);
        }
    }

    /** A fresh, empty database on the source server. */
    Store newSource(String name) {
        return create(source, "source", name);
    }

    /** A fresh, empty database on the target server. */
    Store newTarget(String name) {
        return create(target, "target", name);
    }

    private Store create(EmbeddedPostgres server, String role, String name) {
        String database = "relay_" + name + "_" + ++databases;
        try (Connection c = server.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + database + " on the " + role, e);
        }
        return new Store(role, server.getPort(), database);
    }

    /** Drops a database made by this class, to give its disk back between scenarios. */
    void drop(Store store) {
        EmbeddedPostgres server = store.role().equals("source") ? source : target;
        try (Connection c = server.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + store.database() + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop " + store, e);
        }
    }

    /** The source server's settings that matter to the figures, as the server reports them. */
    Map<String, Object> settings() {
        Map<String, Object> settings = new LinkedHashMap<>();
        try (Connection c = source.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            for (String name : REPORTED) {
                try (ResultSet rs = s.executeQuery("SHOW " + name)) {
                    rs.next();
                    settings.put(name, rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the source server's settings", e);
        }
        return settings;
    }

    @Override
    public void close() {
        close(source);
        close(target);
    }

    private static void close(EmbeddedPostgres server) {
        try {
            server.close();
        } catch (IOException e) {
            BenchDb.log("could not stop an embedded PostgreSQL: " + e.getMessage());
        }
    }
}
