package dev.tandem.verify;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.sql.DataSource;

/**
 * A bounded pool of sessions on one store: {@code size} threads, each with its own connection opened on
 * first use and kept until {@link #close}, under the settings the relay writes under (so values read
 * as text match it) and read only, so that nothing a verification runs can change a row.
 */
final class StorePool implements AutoCloseable {
    /** Work for one session. */
    interface Work<T> {
        T on(Connection c) throws SQLException;
    }

    private final DataSource dataSource;
    private final ExecutorService threads;
    private final ThreadLocal<Connection> session = new ThreadLocal<>();
    private final List<Connection> opened = new CopyOnWriteArrayList<>();

    StorePool(String name, DataSource dataSource, int size) {
        this.dataSource = dataSource;
        this.threads = Executors.newFixedThreadPool(
                size,
                Thread.ofPlatform()
                        .name("tandem-verify-" + name + "-", 0)
                        .daemon(true)
                        .factory());
    }

    <T> CompletableFuture<T> submit(Work<T> work) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return work.on(connection());
                    } catch (SQLException e) {
                        throw new CompletionException(e);
                    }
                },
                threads);
    }

    private Connection connection() throws SQLException {
        Connection c = session.get();
        if (c == null || c.isClosed()) {
            c = open(dataSource);
            session.set(c);
            opened.add(c);
        }
        return c;
    }

    /** A session of the verifier's own on {@code ds}, read only, under the relay's settings. */
    static Connection open(DataSource ds) throws SQLException {
        Connection c = ds.getConnection();
        try (Statement s = c.createStatement()) {
            s.execute("SET datestyle = 'ISO, YMD'; SET intervalstyle = 'postgres'; SET timezone = 'UTC';"
                    + " SET extra_float_digits = 3; SET bytea_output = 'hex';"
                    + " SET default_transaction_read_only = on; SET application_name = 'tandem verify';"
                    // The verifier runs its segments side by side itself; a segment's own parallel workers
                    // would only compete with them (and start up for every segment).
                    + " SET max_parallel_workers_per_gather = 0");
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    @Override
    public void close() {
        threads.shutdownNow();
        for (Connection c : opened) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing at the end; nothing to undo
            }
        }
    }
}
