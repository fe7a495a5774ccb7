package dev.tandem.client;

import dev.tandem.core.Migration;
import dev.tandem.core.MigrationFiles;
import dev.tandem.core.Operation;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the migrations' state from a store's {@code tandem} schema: {@code tandem.migrations} (the
 * phase, and the file, parsed once per checksum), {@code tandem.flags} and {@code tandem.moves}. Any
 * of them may be missing (nothing started yet, an older tandem) or unreadable for lack of privilege;
 * what is missing reads as its default. Thread-safe.
 */
final class StateReader {
    private static final Logger LOG = LoggerFactory.getLogger(StateReader.class);

    private static final String TABLES = """
            SELECT to_regclass('tandem.migrations') IS NOT NULL
                     AND has_table_privilege(to_regclass('tandem.migrations'), 'SELECT'),
                   to_regclass('tandem.flags') IS NOT NULL
                     AND has_table_privilege(to_regclass('tandem.flags'), 'SELECT'),
                   to_regclass('tandem.moves') IS NOT NULL
                     AND has_table_privilege(to_regclass('tandem.moves'), 'SELECT'),
                   EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass('tandem.moves')
                           AND attname = 'authoritative' AND NOT attisdropped)
            """;

    /**
     * Active migrations, and the finished ones the application asked about, with their flags and
     * moves, in one round trip. A migration moving several tables has one {@code tandem.moves} row per
     * table ({@code <migration id>.<table>}), and counts as cut over only when every row says so, so
     * that writes never go to the target of a table the source is still authoritative for.
     */
    private static final String MIGRATIONS = """
            SELECT m.id, m.schema_name, m.phase, m.checksum, %s, %s
            FROM tandem.migrations m %s %s
            WHERE m.phase NOT IN ('COMPLETE', 'ROLLED_BACK') OR m.id = ANY (?)
            """;

    private static final String MOVES = """
            LEFT JOIN (SELECT split_part(migration_id, '.', 1) AS id, min(store) AS store, bool_and(%s) AS target
                       FROM tandem.moves GROUP BY 1) mv ON mv.id = m.id
            """;

    /** Which of the state tables this client may read; once all are there, they are not looked up again. */
    private record Tables(boolean migrations, boolean flags, boolean moves, boolean authoritative) {
        boolean all() {
            return migrations && flags && moves && authoritative;
        }
    }

    /** What a migration's file says that the client needs; one per id and checksum. */
    private record FileFacts(String checksum, String schema, String versionSchema, boolean move, String store) {}

    // Guarded by being a concurrent map: the watcher and synchronous reloads both fill it.
    private final Map<String, FileFacts> files = new ConcurrentHashMap<>();
    private volatile Tables tables;

    /** The state of every active migration and of every id in {@code watched}; watched ids the store lacks are left out. */
    Map<String, MigrationState> load(Connection c, Collection<String> watched) throws SQLException {
        Tables known = tables;
        boolean cached = known != null && known.all();
        Tables t = cached ? known : tables(c);
        tables = t;
        try {
            return load(c, watched, t);
        } catch (SQLException e) {
            tables = null;
            if (cached && e.getSQLState() != null && e.getSQLState().startsWith("42")) {
                // A table or column dropped, or a privilege revoked, since it was looked up: look again.
                tables = tables(c);
                return load(c, watched, tables);
            }
            throw e;
        }
    }

    private Map<String, MigrationState> load(Connection c, Collection<String> watched, Tables t) throws SQLException {
        Map<String, MigrationState> out = new HashMap<>();
        if (!t.migrations()) {
            return out;
        }
        String sql = MIGRATIONS.formatted(
                t.flags() ? "f.reads_new, f.shape" : "NULL::int, NULL::text",
                t.moves() ? "mv.store, mv.target" : "NULL::text, NULL::boolean",
                t.flags() ? "LEFT JOIN tandem.flags f ON f.migration_id = m.id" : "",
                t.moves() ? MOVES.formatted(t.authoritative() ? "authoritative = 'target'" : "false") : "");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("text", watched.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    Phase phase = phase(id, rs.getString(3));
                    if (phase == null) {
                        continue;
                    }
                    FileFacts facts = facts(c, id, rs.getString(2), rs.getString(4));
                    String moveStore = rs.getString(7);
                    boolean isMove = facts.move() || moveStore != null;
                    String store = moveStore != null ? moveStore : facts.store();
                    out.put(
                            id,
                            new MigrationState(
                                    id,
                                    facts.schema(),
                                    phase,
                                    facts.versionSchema(),
                                    isMove,
                                    isMove ? store : null,
                                    rs.getInt(5),
                                    "new".equals(rs.getString(6)),
                                    rs.getBoolean(8)));
                }
            }
        }
        return out;
    }

    private static Tables tables(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(TABLES)) {
            rs.next();
            return new Tables(rs.getBoolean(1), rs.getBoolean(2), rs.getBoolean(3), rs.getBoolean(4));
        }
    }

    private static Phase phase(String id, String name) {
        try {
            return Phase.valueOf(name);
        } catch (IllegalArgumentException e) {
            LOG.warn("migration {} is in phase {}, which this tandem-client does not know; it is ignored", id, name);
            return null;
        }
    }

    private FileFacts facts(Connection c, String id, String schema, String checksum) throws SQLException {
        FileFacts known = files.get(id);
        if (known != null && known.checksum().equals(checksum)) {
            return known;
        }
        FileFacts facts = new FileFacts(checksum, schema, schema + "_" + id, false, null);
        try (PreparedStatement ps = c.prepareStatement("SELECT source, file FROM tandem.migrations WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    facts = parse(id, schema, checksum, rs.getString(1), rs.getString(2), facts);
                }
            }
        }
        files.put(id, facts);
        return facts;
    }

    private static FileFacts parse(
            String id, String schema, String checksum, String source, String text, FileFacts fallback) {
        try {
            Migration m = MigrationFiles.parse(source, text);
            Operation.MoveTable move = m.operations().stream()
                    .filter(Operation.MoveTable.class::isInstance)
                    .map(Operation.MoveTable.class::cast)
                    .findFirst()
                    .orElse(null);
            return new FileFacts(
                    checksum, m.schema(), m.versionSchema(), move != null, move == null ? null : move.toStore());
        } catch (TandemException unreadable) {
            // A file written for a newer tandem: its id and schema are still known, and tandem.moves
            // still tells a move apart.
            LOG.warn(
                    "the stored file of migration {} cannot be read by this tandem-client ({}); assuming the default"
                            + " version schema {}",
                    id,
                    unreadable.getMessage(),
                    fallback.versionSchema());
            return fallback;
        }
    }
}
