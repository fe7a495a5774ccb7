package dev.tandem.postgres;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Connections and the mapping of SQL errors to tandem's error codes by SQLSTATE class. */
final class Jdbc {
    private Jdbc() {}

    /** SQLSTATE 55P03: lock_not_available, raised when lock_timeout expires. */
    static final String LOCK_NOT_AVAILABLE = "55P03";

    static Connection connect(DataSource dataSource) {
        try {
            Connection c = dataSource.getConnection();
            c.setAutoCommit(true);
            return c;
        } catch (SQLException e) {
            throw failure("could not connect to the database", e);
        }
    }

    static boolean isLockTimeout(SQLException e) {
        return LOCK_NOT_AVAILABLE.equals(e.getSQLState());
    }

    /** Classifies an SQL error: lock timeouts, serialization failures and connection loss are retryable. */
    static TandemException failure(String context, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        ErrorCode code;
        if (state.equals(LOCK_NOT_AVAILABLE)) {
            code = ErrorCode.LOCK_TIMEOUT;
        } else if (state.equals("40001") || state.equals("40P01")) {
            code = ErrorCode.SERIALIZATION_FAILURE;
        } else if (state.startsWith("08") || state.startsWith("57P") || state.equals("53300")) {
            code = ErrorCode.CONNECTION_FAILED;
        } else {
            code = ErrorCode.DATABASE_ERROR;
        }
        String detail = e.getMessage() == null ? state : e.getMessage().strip();
        return new TandemException(
                code, context + ": " + detail + (state.isEmpty() ? "" : " [SQLSTATE " + state + "]"), e);
    }
}
