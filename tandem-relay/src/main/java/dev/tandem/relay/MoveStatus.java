package dev.tandem.relay;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;

/**
 * Where a move's delivery stands, read from the source (and, for the rate, the target): the backlog
 * of undelivered changes and the age of the oldest (the relay's lag), the changes applied per second
 * over the last ten seconds, the open dead letters, and the copy of existing rows.
 */
public record MoveStatus(
        String migrationId,
        long backlog,
        Duration lag,
        double appliedPerSecond,
        long openDeadLetters,
        Long copiedRows,
        Instant copiedAt) {

    /** The status of {@code migrationId}; {@code target} may be null, and then the rate is 0. */
    public static MoveStatus of(DataSource source, DataSource target, String migrationId) throws SQLException {
        long backlog;
        Duration lag;
        long dead;
        Long copiedRows = null;
        Instant copiedAt = null;
        try (Connection c = source.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT (SELECT count(*) FROM tandem.outbox WHERE migration_id = ?),
                               (SELECT coalesce(extract(epoch FROM clock_timestamp() - min(committed_at)), 0)
                                  FROM tandem.outbox WHERE migration_id = ?),
                               (SELECT count(*) FROM tandem.dead_letters WHERE migration_id = ?
                                  AND superseded_at IS NULL AND replayed_at IS NULL),
                               m.copied_rows, m.copied_at
                        FROM (SELECT 1) AS one LEFT JOIN tandem.moves m ON m.migration_id = ?
                        """)) {
            for (int i = 1; i <= 4; i++) {
                ps.setString(i, migrationId);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                backlog = rs.getLong(1);
                lag = Duration.ofMillis(Math.round(rs.getDouble(2) * 1000));
                dead = rs.getLong(3);
                copiedRows = (Long) rs.getObject(4);
                copiedAt =
                        rs.getTimestamp(5) == null ? null : rs.getTimestamp(5).toInstant();
            }
        }
        double rate = 0;
        if (target != null) {
            try (Connection c = target.getConnection();
                    PreparedStatement ps = c.prepareStatement("SELECT count(*) / 10.0 FROM tandem.applied"
                            + " WHERE migration_id = ? AND applied_at > clock_timestamp() - interval '10 seconds'")) {
                ps.setString(1, migrationId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    rate = rs.getDouble(1);
                }
            }
        }
        return new MoveStatus(migrationId, backlog, lag, rate, dead, copiedRows, copiedAt);
    }
}
