package dev.tandem.relay;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Set;

/** Which failures the relay waits out and retries, and which park a change. */
final class Failures {
    /** Serialization failure, deadlock, lock not available, shutdowns, too many connections, out of memory or disk. */
    private static final Set<String> TRANSIENT =
            Set.of("40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53000", "53100", "53200", "53300", "57014");

    private Failures() {}

    /**
     * Whether {@code e} says nothing about the change itself: the connection (class 08, or none at
     * all), a conflict with another transaction, or the server's state. Anything else, such as a
     * constraint or a type the change's data breaks, is the change's own and is permanent.
     */
    static boolean isTransient(SQLException e) {
        if (e instanceof SQLTransientException || e instanceof SQLRecoverableException) {
            return true;
        }
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || TRANSIENT.contains(state);
    }
}
