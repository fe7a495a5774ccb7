package dev.tandem.postgres;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The table's own triggers that a backfill UPDATE would fire, and whether the backfill skips them.
 *
 * <p>The backfill only assigns the new columns, so a trigger that stamps {@code updated_at} or
 * writes an audit row would record a change no one made. By default each batch runs with {@code
 * session_replication_role = replica}, under which ENABLE ORIGIN triggers (the default kind) do
 * not fire. Only those are listed: ENABLE ALWAYS triggers (tandem's own sync triggers among them)
 * fire either way, and ENABLE REPLICA ones do not fire on ordinary writes. Replica mode also skips
 * foreign-key checks, which costs nothing here: the new columns' keys are validated after the
 * backfill, and the old columns are not written.
 */
final class UserTriggers {
    /** Bit 16 of tgtype: fires on UPDATE (row or statement level). */
    private static final String FIND = """
            SELECT t.tgname FROM pg_trigger t
            WHERE t.tgrelid = to_regclass(?) AND NOT t.tgisinternal AND t.tgenabled = 'O'
              AND (t.tgtype & 16) <> 0 AND t.tgname NOT LIKE '\\_tandem\\_%'
            ORDER BY t.tgname""";

    private static final String INSUFFICIENT_PRIVILEGE = "42501";

    private UserTriggers() {}

    /**
     * Whether the batches of {@code spec} run in replica mode. Refuses, changing nothing, when the
     * table's own triggers are to be skipped and the role may not skip them. {@code c} is in
     * auto-commit mode.
     */
    static boolean skipInBatches(Connection c, Recipe.BackfillSpec spec, EngineOptions options) throws SQLException {
        List<String> triggers = find(c, Sql.id(spec.schema(), spec.table()));
        if (triggers.isEmpty()) {
            return false;
        }
        String table = spec.schema() + "." + spec.table();
        String names = String.join(", ", triggers);
        if (options.backfillTriggers() == EngineOptions.BackfillTriggers.FIRE) {
            options.listener()
                    .info("the backfill of " + table + " fires its own triggers on every row it updates: " + names);
            return false;
        }
        if (!maySetReplicaMode(c)) {
            String role = currentUser(c);
            throw new TandemException(
                    ErrorCode.GATE_REFUSED,
                    "refusing to backfill " + table + ": its own triggers (" + names + ") fire on UPDATE, so the"
                            + " backfill would run them on every row. tandem skips them with session_replication_role"
                            + " = replica, which role " + role
                            + " may not set. The backfill stopped before its first batch. Either pass"
                            + " --backfill-triggers fire (the triggers then run on every row the backfill updates),"
                            + " or let the role skip them: GRANT SET ON PARAMETER session_replication_role TO "
                            + Sql.id(role) + " (PostgreSQL 15 and later; a superuser always may)");
        }
        options.listener()
                .info("the backfill of " + table + " skips its own triggers (" + names
                        + ") with session_replication_role = replica; --backfill-triggers fire runs them");
        return true;
    }

    static List<String> find(Connection c, String qualifiedTable) throws SQLException {
        List<String> names = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(FIND)) {
            ps.setString(1, qualifiedTable);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        return names;
    }

    /** Tries the setting in a transaction that is rolled back: the only test that sees every grant. */
    private static boolean maySetReplicaMode(Connection c) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL session_replication_role = replica");
            return true;
        } catch (SQLException e) {
            if (INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
                return false;
            }
            throw e;
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
    }

    private static String currentUser(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
