package dev.tandem.postgres;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Starting a migration again after its start failed and undid itself. Such a migration changed
 * nothing that stayed (its expand steps were rolled back before any client could use the new shape),
 * so its file may be fixed and started again, under the same id.
 *
 * <p>Each start is an attempt. The migration keeps one row in {@code tandem.migrations}, which holds
 * the current attempt; a superseded attempt's file and checksum move to {@code tandem.attempts}. Its
 * history stays where it is: in {@code tandem.history} each attempt begins with a change from no phase
 * to PLANNED, which is how attempts are counted. So the one-active-migration-per-schema and
 * linear-history indexes keep working on the one row, and the history reads in order: the first
 * attempt, its failure, then the next.
 */
final class Attempts {
    static final String DDL = """
            CREATE TABLE IF NOT EXISTS tandem.attempts (
              migration_id text NOT NULL REFERENCES tandem.migrations (id),
              attempt      int NOT NULL,
              checksum     text NOT NULL,
              source       text NOT NULL,
              file         text NOT NULL,
              started_at   timestamptz NOT NULL,
              ended_at     timestamptz NOT NULL,
              PRIMARY KEY (migration_id, attempt)
            );
            """;

    /** The reason recorded on the first change of an attempt after the first. */
    static final String AGAIN = "started again after a failed start";

    private Attempts() {}

    /**
     * Whether this migration never got past a failed start: it was rolled back while still PLANNED,
     * that is before its expand finished, so no client ever saw its new shape and no backfill ran. A
     * migration rolled back from any later phase was rolled back on purpose and is not one.
     */
    static boolean startFailed(Connection c, StateStore.Row row) throws SQLException {
        if (row.phase() != Phase.ROLLED_BACK) {
            return false;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT from_phase FROM tandem.history WHERE migration_id = ? ORDER BY seq DESC LIMIT 1")) {
            ps.setString(1, row.id());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && Phase.PLANNED.name().equals(rs.getString(1));
            }
        }
    }

    /**
     * Archives the failed attempt and records {@code m} as the migration's next attempt, PLANNED, after
     * the last migration completed on its schema (which may have changed since). Runs in the caller's
     * transaction; refuses if another process started it again first.
     */
    static void restart(Connection c, Migration m, String actor) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM tandem.migrations WHERE id = ? AND phase = 'ROLLED_BACK' FOR UPDATE")) {
            ps.setString(1, m.id());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new TandemException(
                            ErrorCode.PHASE_INVALID,
                            "migration " + m.id() + " was started again by another process while this one"
                                    + " prepared; `tandem status --migration " + m.id() + "` shows where it stands");
                }
            }
        }
        execute(c, """
                INSERT INTO tandem.attempts (migration_id, attempt, checksum, source, file, started_at, ended_at)
                SELECT id, (SELECT count(*) FROM tandem.history h WHERE h.migration_id = m.id AND h.from_phase IS NULL),
                       checksum, source, file, created_at, updated_at
                FROM tandem.migrations m WHERE id = ?
                """, m.id());
        // The failed attempt's recipe was for its own file; the new one is saved by the caller.
        execute(c, "DELETE FROM tandem.steps WHERE migration_id = ?", m.id());
        execute(c, "DELETE FROM tandem.backfill WHERE migration_id = ?", m.id());
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE tandem.migrations
                SET seq = nextval(pg_get_serial_sequence('tandem.migrations', 'seq')),
                    schema_name = ?, parent = ?, phase = 'PLANNED', file = ?, source = ?, checksum = ?,
                    created_at = now(), updated_at = now()
                WHERE id = ?
                """)) {
            ps.setString(1, m.schema());
            ps.setString(2, StateStore.lastComplete(c, m.schema()));
            ps.setString(3, m.text());
            ps.setString(4, m.source());
            ps.setString(5, m.checksum());
            ps.setString(6, m.id());
            ps.executeUpdate();
        }
        StateStore.history(c, m.id(), m.schema(), null, Phase.PLANNED, false, AGAIN, actor);
    }

    /**
     * The history with each change's attempt and that attempt's checksum, and each event's kind and
     * detail. Tolerates a state schema from before attempts were archived (then every change belongs
     * to the current attempt), and from before flag changes were recorded (then each is a phase change).
     */
    static String historyQuery(boolean archived, boolean events) {
        return """
                SELECT h.seq, h.migration_id, h.schema_name, h.from_phase, h.to_phase, h.at, h.forced, h.reason,
                       h.actor, h.attempt, %s, %s
                FROM (SELECT *, count(*) FILTER (WHERE from_phase IS NULL)
                                OVER (PARTITION BY migration_id ORDER BY seq) AS attempt
                      FROM tandem.history) h
                JOIN tandem.migrations m ON m.id = h.migration_id
                %s
                ORDER BY h.seq
                """.formatted(
                        archived ? "coalesce(a.checksum, m.checksum)" : "m.checksum",
                        events ? "h.event, h.detail" : "NULL, NULL",
                        archived
                                ? "LEFT JOIN tandem.attempts a ON a.migration_id = h.migration_id AND a.attempt = h.attempt"
                                : "");
    }

    static boolean archived(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass('tandem.attempts') IS NOT NULL");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static void execute(Connection c, String sql, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, id);
            ps.executeUpdate();
        }
    }
}
