package dev.tandem.relay;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The changes the relay parked after their attempts, in the source's {@code tandem.dead_letters}:
 * listed for people, and replayed on request. A replay puts the change back in the outbox with its
 * own version, so if a newer change of that key has been applied since, the replay changes nothing.
 */
public final class DeadLetters {
    private DeadLetters() {}

    /**
     * One parked change. {@code supersededBy} is the version of the newer change of its key that was
     * applied after it was parked (null while none was); {@code replayedAt} is null until a replay.
     */
    public record DeadLetter(
            long id,
            String migrationId,
            String key,
            String op,
            long version,
            String cause,
            int attempts,
            Instant parkedAt,
            Long supersededBy,
            Instant replayedAt) {
        /** Whether it still needs a person: neither superseded nor replayed. */
        public boolean open() {
            return supersededBy == null && replayedAt == null;
        }
    }

    /** Every dead letter, oldest first; an empty list when the source has no outbox yet. */
    public static List<DeadLetter> list(DataSource source) throws SQLException {
        List<DeadLetter> out = new ArrayList<>();
        try (Connection c = source.getConnection()) {
            if (!exists(c)) {
                return out;
            }
            try (PreparedStatement ps = c.prepareStatement(
                            "SELECT id, migration_id, key, op, version, cause, jsonb_array_length(attempts),"
                                    + " parked_at, superseded_by, replayed_at FROM tandem.dead_letters ORDER BY id");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new DeadLetter(
                            rs.getLong(1),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getString(4),
                            rs.getLong(5),
                            rs.getString(6),
                            rs.getInt(7),
                            rs.getTimestamp(8).toInstant(),
                            (Long) rs.getObject(9),
                            rs.getTimestamp(10) == null
                                    ? null
                                    : rs.getTimestamp(10).toInstant()));
                }
            }
        }
        return out;
    }

    /**
     * Puts the open dead letters back in the outbox, all of them or those whose key is {@code key}
     * (as listed: the text of the key's row value, such as {@code (42)}), and marks them replayed;
     * returns how many.
     */
    public static int replay(DataSource source, String key) throws SQLException {
        try (Connection c = source.getConnection()) {
            if (!exists(c)) {
                return 0;
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    WITH replayed AS (
                      UPDATE tandem.dead_letters SET replayed_at = clock_timestamp()
                      WHERE superseded_by IS NULL AND replayed_at IS NULL AND (?::text IS NULL OR key = ?)
                      RETURNING *
                    ), requeued AS (
                      INSERT INTO tandem.outbox (migration_id, key, op, row, version, correlation_id, traceparent,
                                                 committed_at)
                      SELECT migration_id, key, op, row, version, correlation_id, traceparent, committed_at FROM replayed
                      RETURNING 1
                    )
                    SELECT count(*) FROM requeued
                    """)) {
                ps.setString(1, key);
                ps.setString(2, key);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        }
    }

    private static boolean exists(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass('tandem.dead_letters') IS NOT NULL");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
