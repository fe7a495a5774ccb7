package dev.tandem.client;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.function.Supplier;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;

/**
 * A DataSource over the service's own (a pool, typically) whose connections carry what tandem sets
 * per checkout: the version schema first on the {@code search_path} when the new shape is in use, and
 * the caller's {@code tandem.correlation_id} and {@code tandem.traceparent}. Everything is set in one
 * statement at checkout, and undone in one statement when the connection is closed, before the pool
 * gets it back, so a plain checkout from the same pool never sees tandem's settings. A checkout that
 * needs nothing set (the old shape, no correlation) costs nothing: the pool's connection is handed
 * out as it is.
 *
 * <p>The application must not change {@code search_path} itself on these connections. Thread-safe.
 */
final class SessionDataSource implements DataSource {
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(SessionDataSource.class);

    // The subquery is computed first (OFFSET 0 keeps it from being folded in), so "before" is the path
    // the pool handed out, to be put back on return.
    private static final String SET_PATH_AND_CONTEXT = """
            SELECT s.before,
                   set_config('search_path', ? || CASE WHEN s.before = '' THEN '' ELSE ', ' || s.before END, false),
                   set_config('tandem.correlation_id', ?, false),
                   set_config('tandem.traceparent', ?, false)
            FROM (SELECT current_setting('search_path') AS before OFFSET 0) s
            """;
    private static final String SET_CONTEXT =
            "SELECT set_config('tandem.correlation_id', ?, false), set_config('tandem.traceparent', ?, false)";
    private static final String RESET_PATH_AND_CONTEXT = "SELECT set_config('search_path', ?, false),"
            + " set_config('tandem.correlation_id', '', false), set_config('tandem.traceparent', '', false)";
    private static final String RESET_CONTEXT =
            "SELECT set_config('tandem.correlation_id', '', false), set_config('tandem.traceparent', '', false)";

    private final DataSource delegate;
    private final Supplier<String> versionSchema;
    private final Logs logs;

    /**
     * @param versionSchema at each checkout, the version schema to put first on the path, or null to
     *     leave the path as the pool has it
     */
    SessionDataSource(DataSource delegate, Supplier<String> versionSchema, Logs logs) {
        this.delegate = delegate;
        this.versionSchema = versionSchema;
        this.logs = logs;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return open(delegate.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return open(delegate.getConnection(username, password));
    }

    private Connection open(Connection raw) throws SQLException {
        String schema = versionSchema.get();
        TandemContext.Values context = TandemContext.current();
        boolean correlated =
                !context.correlationId().isEmpty() || !context.traceparent().isEmpty();
        if (schema == null && !correlated) {
            return raw;
        }
        try {
            String before = null;
            boolean auto = raw.getAutoCommit();
            try (PreparedStatement ps = raw.prepareStatement(schema == null ? SET_CONTEXT : SET_PATH_AND_CONTEXT)) {
                int i = 1;
                if (schema != null) {
                    ps.setString(i++, quoteIdentifier(schema));
                }
                ps.setString(i++, context.correlationId());
                ps.setString(i, context.traceparent());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (schema != null) {
                        before = rs.getString(1);
                    }
                }
            }
            if (!auto) {
                // Nothing else is pending on a connection just checked out; a later rollback by the
                // application must not undo the settings.
                raw.commit();
            }
            return (Connection) Proxy.newProxyInstance(
                    SessionDataSource.class.getClassLoader(),
                    new Class<?>[] {Connection.class},
                    new Handler(raw, before));
        } catch (SQLException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    static String quoteIdentifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** Hands every call to the pool's connection, but undoes tandem's settings on close. */
    private final class Handler implements InvocationHandler {
        private final Connection raw;
        private final String pathBefore;
        // Guarded by the connection's single-threaded use, as JDBC requires of its callers.
        private boolean closed;

        Handler(Connection raw, String pathBefore) {
            this.raw = raw;
            this.pathBefore = pathBefore;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            switch (method.getName()) {
                case "close" -> {
                    if (!closed) {
                        closed = true;
                        try {
                            reset();
                        } finally {
                            raw.close();
                        }
                    }
                    return null;
                }
                case "isClosed" -> {
                    return closed || raw.isClosed();
                }
                case "equals" -> {
                    return proxy == args[0];
                }
                case "hashCode" -> {
                    return System.identityHashCode(proxy);
                }
                case "toString" -> {
                    return "tandem(" + raw + ")";
                }
                case "unwrap" -> {
                    Class<?> iface = (Class<?>) args[0];
                    return iface.isInstance(proxy) ? proxy : raw.unwrap(iface);
                }
                case "isWrapperFor" -> {
                    Class<?> iface = (Class<?>) args[0];
                    return iface.isInstance(proxy) || raw.isWrapperFor(iface);
                }
                default -> {
                    if (closed) {
                        throw new SQLException("the connection is closed", "08003");
                    }
                    try {
                        return method.invoke(raw, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                }
            }
        }

        private void reset() {
            try {
                if (raw.isClosed()) {
                    return;
                }
                boolean auto = raw.getAutoCommit();
                if (!auto) {
                    raw.rollback();
                }
                try (PreparedStatement ps =
                        raw.prepareStatement(pathBefore == null ? RESET_CONTEXT : RESET_PATH_AND_CONTEXT)) {
                    if (pathBefore != null) {
                        ps.setString(1, pathBefore);
                    }
                    ps.execute();
                }
                if (!auto) {
                    raw.commit();
                }
            } catch (SQLException e) {
                // A connection that cannot run a SELECT is broken; the pool finds out on its own.
                logs.failure(
                        LOG,
                        "reset",
                        "tandem-client could not reset a connection before returning it: {}",
                        e.toString());
            }
        }
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return iface.isInstance(this) ? iface.cast(this) : delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || delegate.isWrapperFor(iface);
    }
}
