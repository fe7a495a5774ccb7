package dev.tandem.relay;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * One connection to one store, inside a read-only transaction that is always rolled back: whatever
 * the owner's expressions do, checking them changes nothing. Each statement runs under a savepoint,
 * so one that fails does not end the transaction for the next. Not thread-safe.
 */
final class ReadOnlySession implements AutoCloseable {
    /** How long a check waits for a lock (EXPLAIN takes ACCESS SHARE on the table), as DESIGN.md's lock timeout. */
    private static final String LOCK_TIMEOUT = "500ms";

    private static final String STATEMENT_TIMEOUT = "30s";

    private final Connection c;
    private final String store;

    private ReadOnlySession(Connection c, String store) {
        this.c = c;
        this.store = store;
    }

    /** Opens the session; {@code store} names the store in messages, such as "the source store". */
    static ReadOnlySession open(DataSource dataSource, String store) {
        Connection c = null;
        try {
            c = dataSource.getConnection();
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SET TRANSACTION READ ONLY");
                s.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
                s.execute("SET LOCAL statement_timeout = '" + STATEMENT_TIMEOUT + "'");
            }
            return new ReadOnlySession(c, store);
        } catch (SQLException e) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // the failure below says what went wrong
                }
            }
            throw failure("could not open a read-only session on " + store, e);
        }
    }

    Connection connection() {
        return c;
    }

    String store() {
        return store;
    }

    /** Runs {@code sql} (an EXPLAIN, or a query read for its metadata); the first line of its error, if any. */
    Optional<String> attempt(String sql) {
        Savepoint savepoint = null;
        try (Statement s = c.createStatement()) {
            savepoint = c.setSavepoint();
            s.execute(sql);
            c.releaseSavepoint(savepoint);
            return Optional.empty();
        } catch (SQLException e) {
            rollbackTo(savepoint);
            return Optional.of(firstLine(e));
        }
    }

    /** The type of the one column {@code sql} returns, as PostgreSQL names it; or its error. */
    Result<String> resultType(String sql) {
        Savepoint savepoint = null;
        try {
            savepoint = c.setSavepoint();
            try (PreparedStatement ps = c.prepareStatement(sql);
                    ResultSet rs = ps.executeQuery()) {
                String type = rs.getMetaData().getColumnTypeName(1);
                c.releaseSavepoint(savepoint);
                return new Result<>(type, null);
            }
        } catch (SQLException e) {
            rollbackTo(savepoint);
            return new Result<>(null, firstLine(e));
        }
    }

    /** A value, or the reason there is none. */
    record Result<T>(T value, String error) {}

    /** Whether {@code type} names a type in this store. */
    boolean typeExists(String type) {
        Savepoint savepoint = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regtype(?) IS NOT NULL")) {
            savepoint = c.setSavepoint();
            ps.setString(1, type);
            try (ResultSet rs = ps.executeQuery()) {
                boolean exists = rs.next() && rs.getBoolean(1);
                c.releaseSavepoint(savepoint);
                return exists;
            }
        } catch (SQLException e) {
            // to_regtype raises on a malformed name rather than returning NULL
            rollbackTo(savepoint);
            return false;
        }
    }

    private void rollbackTo(Savepoint savepoint) {
        try {
            if (savepoint != null) {
                c.rollback(savepoint);
            }
        } catch (SQLException ignored) {
            // the whole transaction is rolled back at close anyway
        }
    }

    private static String firstLine(SQLException e) {
        return e.getMessage() == null
                ? "SQLSTATE " + e.getSQLState()
                : e.getMessage().lines().findFirst().orElse("").replaceFirst("^ERROR: ", "");
    }

    /** Rolls the transaction back and closes the connection. */
    @Override
    public void close() {
        try (Connection closing = c) {
            closing.rollback();
        } catch (SQLException e) {
            throw failure("could not end the read-only session on " + store, e);
        }
    }

    /** A failure of the store itself, rather than of what the file asks of it. */
    static TandemException failure(String context, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        ErrorCode code = state.startsWith("08") || state.startsWith("57P") || state.equals("53300")
                ? ErrorCode.CONNECTION_FAILED
                : ErrorCode.DATABASE_ERROR;
        return new TandemException(
                code,
                context + ": "
                        + (e.getMessage() == null ? state : e.getMessage().strip())
                        + (state.isEmpty() ? "" : " [SQLSTATE " + state + "]"),
                e);
    }
}
