package dev.tandem.relay;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * Where a move's delivery stands, read from the source (and, for the rate, the target): the backlog
 * of undelivered changes and the age of the oldest (the relay's lag), the changes the relay applied
 * per second over the last ten seconds, the open dead letters, the copy of existing rows, and the lag
 * bound the move was started with.
 *
 * <p>A move is <em>backfilled</em> when its copy is done, its lag is at most its bound and no change
 * is parked in an open dead letter: then the target holds every change of the source up to the bound,
 * which is what reading from it (and the cutover) needs. A parked change counts because it is an
 * undelivered change too, and one that does not age out: the target misses it until it is replayed
 * or superseded.
 *
 * @param appliedPerSecond the relay's applies per second over the last ten seconds, read from the
 *     target's applied versions, so several changes of one key in that window count once; null when
 *     the target store was not given
 * @param copiedRows the rows the copy has applied so far, across resumptions; all of them once
 *     {@code copiedAt} is set
 * @param copiedAt when the copy finished; null while it has not
 */
public record MoveStatus(
        String migrationId,
        long backlog,
        Duration lag,
        Double appliedPerSecond,
        long openDeadLetters,
        long copiedRows,
        Instant copiedAt,
        Duration maxLag) {

    /** The lag bound of a move started without one. */
    public static final Duration DEFAULT_MAX_LAG = Duration.ofSeconds(10);

    /** The status of {@code migrationId}; {@code target} may be null, and then the rate is null. */
    public static MoveStatus of(DataSource source, DataSource target, String migrationId) throws SQLException {
        long backlog;
        Duration lag;
        long dead;
        long copiedRows;
        Instant copiedAt;
        Duration maxLag;
        try (Connection c = source.getConnection();
                // max_lag_ms is read through to_jsonb: a tandem.moves made before the column existed has
                // no such column until its next registration, and its moves have the default bound.
                PreparedStatement ps = c.prepareStatement("""
                        SELECT (SELECT count(*) FROM tandem.outbox WHERE migration_id = ?),
                               (SELECT coalesce(extract(epoch FROM clock_timestamp() - min(committed_at)), 0)
                                  FROM tandem.outbox WHERE migration_id = ?),
                               (SELECT count(*) FROM tandem.dead_letters WHERE migration_id = ?
                                  AND superseded_at IS NULL AND replayed_at IS NULL),
                               coalesce(m.copied_rows, m.copy_rows, 0), m.copied_at,
                               (to_jsonb(m) ->> 'max_lag_ms')::bigint
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
                copiedRows = rs.getLong(4);
                copiedAt =
                        rs.getTimestamp(5) == null ? null : rs.getTimestamp(5).toInstant();
                long bound = rs.getLong(6);
                maxLag = rs.wasNull() ? DEFAULT_MAX_LAG : Duration.ofMillis(bound);
            }
        }
        Double rate = null;
        if (target != null) {
            try (Connection c = target.getConnection();
                    // The copy applies with version 0: its rows are the copy's progress, not the relay's rate.
                    PreparedStatement ps = c.prepareStatement("SELECT count(*) / 10.0 FROM tandem.applied"
                            + " WHERE migration_id = ? AND version > 0"
                            + " AND applied_at > clock_timestamp() - interval '10 seconds'")) {
                ps.setString(1, migrationId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    rate = rs.getDouble(1);
                }
            }
        }
        return new MoveStatus(migrationId, backlog, lag, rate, dead, copiedRows, copiedAt, maxLag);
    }

    /** Whether the copy of the rows that existed at start is done. */
    public boolean copyDone() {
        return copiedAt != null;
    }

    /** Whether the move is backfilled now (see the type's comment). */
    public boolean backfilled() {
        return catchingUp() == null;
    }

    /** Why the move is not backfilled now, every reason, for people; null when it is. */
    public String catchingUp() {
        List<String> reasons = new ArrayList<>();
        if (!copyDone()) {
            reasons.add("the copy of the existing rows is not done (" + copiedRows + " rows so far)");
        }
        if (lag.compareTo(maxLag) > 0) {
            reasons.add("lag " + seconds(lag) + " is over its bound of " + seconds(maxLag) + " (" + backlog
                    + (backlog == 1 ? " change" : " changes") + " not delivered: is `tandem relay` running?)");
        }
        if (openDeadLetters > 0) {
            reasons.add(openDeadLetters + (openDeadLetters == 1 ? " open dead letter" : " open dead letters")
                    + ", which the target misses until replayed or superseded (`tandem dead-letters`)");
        }
        return reasons.isEmpty() ? null : String.join("; ", reasons);
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
