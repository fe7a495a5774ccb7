package dev.tandem.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * How every transaction of a backfill begins, batches and the probes that explain a failed batch
 * alike: under the lock timeout, and, when the table's own triggers are to be skipped, in replica
 * mode. Both settings are LOCAL, so they end with the transaction.
 */
record BatchSettings(Duration lockTimeout, boolean replica) {
    void begin(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL lock_timeout = '" + lockTimeout.toMillis() + "ms'");
            if (replica) {
                s.execute("SET LOCAL session_replication_role = replica");
            }
        }
    }
}
