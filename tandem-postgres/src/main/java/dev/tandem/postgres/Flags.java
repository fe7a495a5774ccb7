package dev.tandem.postgres;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The SQL of {@code tandem.flags}: reading a migration's flags, and changing them together with
 * their history entry and the announcement to clients, in one transaction.
 */
final class Flags {
    /** {@code tandem.history.event} of a flag change; phase changes have none. */
    static final String EVENT = "flags";

    private Flags() {}

    /** The migration's flags; the defaults when they were never set, or the state schema predates them. */
    static MigrationFlags read(Connection c, String migrationId) throws SQLException {
        return exist(c) ? select(c, migrationId, false) : MigrationFlags.defaults(migrationId);
    }

    static boolean exist(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT to_regclass('tandem.flags') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static MigrationFlags select(Connection c, String migrationId, boolean forUpdate) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT reads_new, shape, updated_at, updated_by FROM tandem.flags WHERE migration_id = ?"
                        + (forUpdate ? " FOR UPDATE" : ""))) {
            ps.setString(1, migrationId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return MigrationFlags.defaults(migrationId);
                }
                return new MigrationFlags(
                        migrationId,
                        rs.getInt(1),
                        Shape.parse(rs.getString(2)),
                        rs.getTimestamp(3).toInstant(),
                        rs.getString(4));
            }
        }
    }

    /**
     * Sets the flags {@code request} names, if the migration is still in {@code phase} (the one the
     * caller checked the request against), records the change in the history and announces it on
     * {@link ClientState#CHANNEL}, all in one transaction. The migration's row is locked as a phase
     * change locks it, so flag changes and phase changes of one migration take turns, and each
     * history entry's "before" is what the previous one left. A request for what is already set
     * writes nothing.
     */
    static FlagChange write(Connection c, StateStore.Row row, FlagRequest request, String actor) throws SQLException {
        c.setAutoCommit(false);
        try {
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT phase FROM tandem.migrations WHERE id = ? FOR NO KEY UPDATE")) {
                ps.setString(1, row.id());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || !rs.getString(1).equals(row.phase().name())) {
                        throw new TandemException(
                                ErrorCode.PHASE_INVALID,
                                "migration " + row.id() + " changed phase while this command ran; nothing was"
                                        + " changed. Check `tandem status` and set the flag again");
                    }
                }
            }
            MigrationFlags before = select(c, row.id(), true);
            int readsNew = request.readsNewPercent() == null ? before.readsNewPercent() : request.readsNewPercent();
            Shape shape = request.shape() == null ? before.shape() : request.shape();
            if (readsNew == before.readsNewPercent() && shape == before.shape()) {
                c.rollback();
                return new FlagChange(before, before, row.phase(), false);
            }
            MigrationFlags after;
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO tandem.flags (migration_id, reads_new, shape, updated_at, updated_by)
                    VALUES (?, ?, ?, now(), ?)
                    ON CONFLICT (migration_id) DO UPDATE
                      SET reads_new = excluded.reads_new, shape = excluded.shape,
                          updated_at = excluded.updated_at, updated_by = excluded.updated_by
                    RETURNING updated_at
                    """)) {
                ps.setString(1, row.id());
                ps.setInt(2, readsNew);
                ps.setString(3, shape.wireName());
                ps.setString(4, actor);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    after = new MigrationFlags(
                            row.id(), readsNew, shape, rs.getTimestamp(1).toInstant(), actor);
                }
            }
            FlagChange change = new FlagChange(before, after, row.phase(), true);
            StateStore.event(c, row, EVENT, change.describe(), actor);
            try (Statement s = c.createStatement()) {
                s.execute(ClientState.notifySql(row.id()));
            }
            c.commit();
            return change;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /**
     * Why {@code request} may not be set for a migration in {@code phase}; null when it may. {@code
     * move} says the migration moves a table to another store; {@code catchingUp} is why a BACKFILLED
     * migration does not count as such right now (null when it does).
     */
    static String refusal(String id, Phase phase, boolean move, String catchingUp, FlagRequest request) {
        if (!phase.active()) {
            return "migration " + id + " is " + phase + ": it is finished, and its flags no longer route anything."
                    + " A new migration gets its own flags";
        }
        if (move && request.shape() != null) {
            return "migration " + id + " moves a table to another store, so clients choose a store, not a shape:"
                    + " --shape is for migrations within one store. Reads move with --reads-new; writes move only"
                    + " with `tandem cutover`, which fences them";
        }
        boolean toNew =
                (request.readsNewPercent() != null && request.readsNewPercent() > 0) || request.shape() == Shape.NEW;
        boolean backfilled = phase.ordinal() >= Phase.BACKFILLED.ordinal() && catchingUp == null;
        if (toNew && !backfilled) {
            return "reads may move to the new side only from BACKFILLED on, and migration " + id + " is "
                    + (catchingUp == null ? phase : Phase.EXPANDED + ", catching up: " + catchingUp)
                    + ", so the new side does not hold every row yet. Wait until `tandem status` shows"
                    + " BACKFILLED (`tandem backfill --resume` runs a stopped backfill), then set the flag again";
        }
        return null;
    }
}
