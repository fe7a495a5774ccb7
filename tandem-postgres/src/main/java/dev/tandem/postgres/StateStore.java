package dev.tandem.postgres;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code tandem} schema in the target database: each migration with its full file, checksum and
 * phase; the history of phase changes; backfill checkpoints. The database itself enforces one active
 * migration per schema (a partial unique index) and a linear history (each migration names the one
 * it follows, and no two live migrations follow the same one).
 */
final class StateStore {
    static final String SCHEMA = "tandem";

    private static final String DDL = """
            CREATE SCHEMA IF NOT EXISTS tandem;
            CREATE TABLE IF NOT EXISTS tandem.migrations (
              seq          bigserial PRIMARY KEY,
              id           text NOT NULL UNIQUE,
              schema_name  text NOT NULL,
              parent       text REFERENCES tandem.migrations (id),
              phase        text NOT NULL CHECK (phase IN ('PLANNED','EXPANDED','BACKFILLED','VERIFIED','CUT_OVER','COMPLETE','ROLLED_BACK')),
              file         text NOT NULL,
              source       text NOT NULL,
              checksum     text NOT NULL,
              created_at   timestamptz NOT NULL DEFAULT now(),
              updated_at   timestamptz NOT NULL DEFAULT now()
            );
            CREATE UNIQUE INDEX IF NOT EXISTS migrations_one_active_per_schema
              ON tandem.migrations (schema_name) WHERE phase NOT IN ('COMPLETE', 'ROLLED_BACK');
            CREATE UNIQUE INDEX IF NOT EXISTS migrations_linear_history
              ON tandem.migrations (schema_name, coalesce(parent, '')) WHERE phase <> 'ROLLED_BACK';
            CREATE TABLE IF NOT EXISTS tandem.history (
              seq          bigserial PRIMARY KEY,
              migration_id text NOT NULL REFERENCES tandem.migrations (id),
              schema_name  text NOT NULL,
              from_phase   text,
              to_phase     text NOT NULL,
              at           timestamptz NOT NULL DEFAULT now(),
              forced       boolean NOT NULL DEFAULT false,
              reason       text,
              actor        text NOT NULL
            );
            CREATE TABLE IF NOT EXISTS tandem.backfill (
              migration_id text NOT NULL REFERENCES tandem.migrations (id),
              table_name   text NOT NULL,
              last_key     text[],
              high_key     text[],
              rows_done    bigint NOT NULL DEFAULT 0,
              rows_total   bigint NOT NULL DEFAULT 0,
              done         boolean NOT NULL DEFAULT false,
              paused       boolean NOT NULL DEFAULT false,
              stop_requested boolean NOT NULL DEFAULT false,
              runner_pid   int,
              started_at   timestamptz,
              updated_at   timestamptz NOT NULL DEFAULT now(),
              schema_name     text NOT NULL,
              key_columns     text[] NOT NULL,
              key_types       text[] NOT NULL,
              set_columns     text[] NOT NULL,
              set_expressions text[] NOT NULL,
              PRIMARY KEY (migration_id, table_name)
            );
            CREATE TABLE IF NOT EXISTS tandem.steps (
              migration_id  text NOT NULL REFERENCES tandem.migrations (id),
              stage         text NOT NULL,
              ordinal       int NOT NULL,
              description   text NOT NULL,
              sql           text NOT NULL,
              lock_mode     text NOT NULL,
              transactional boolean NOT NULL,
              estimate      text,
              done_at       timestamptz,
              PRIMARY KEY (migration_id, stage, ordinal)
            );
            """ + Attempts.DDL + ClientState.DDL;

    private StateStore() {}

    /** Creates the state schema if needed. Serialised by an advisory lock so concurrent CLIs agree. */
    static void ensure(Connection c) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(hashtext('tandem.state'))");
            s.execute(DDL);
            ensureHistoryEvents(c);
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /**
     * Adds {@code tandem.history.event} and {@code detail} (a flag change and what it changed; null for
     * a phase change) to a state schema made before they existed. The catalog is read first, so the
     * ALTER, and its lock on the history, happens once per database. Runs in {@link #ensure}'s
     * transaction.
     */
    private static void ensureHistoryEvents(Connection c) throws SQLException {
        if (hasHistoryEvents(c)) {
            return;
        }
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL lock_timeout = '5s'");
            s.execute("ALTER TABLE tandem.history ADD COLUMN IF NOT EXISTS event text,"
                    + " ADD COLUMN IF NOT EXISTS detail text");
        }
    }

    static boolean hasHistoryEvents(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 1 FROM pg_attribute WHERE attrelid = 'tandem.history'::regclass"
                        + " AND attname = 'event' AND NOT attisdropped")) {
            return rs.next();
        }
    }

    static boolean exists(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT to_regclass('tandem.migrations') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    record Row(
            long seq,
            String id,
            String schema,
            String parent,
            Phase phase,
            String file,
            String source,
            String checksum,
            java.time.Instant createdAt,
            java.time.Instant updatedAt) {
        /** The version schema the migration's file names ({@code version_schema}), or the default name. */
        String versionSchema() {
            return migration().map(Migration::versionSchema).orElse(schema + "_" + id);
        }

        /** Why rollback cannot undo this migration; null when it can. */
        String rollbackRefusal() {
            return migration().flatMap(Migration::rollbackRefusal).orElse(null);
        }

        /** The stored file, parsed; empty when this tandem reads it differently from the one that stored it. */
        java.util.Optional<Migration> parsed() {
            return migration();
        }

        private java.util.Optional<Migration> migration() {
            try {
                return java.util.Optional.of(dev.tandem.core.MigrationFiles.parse(source, file));
            } catch (dev.tandem.core.TandemException unreadable) {
                return java.util.Optional.empty();
            }
        }
    }

    private static final String SELECT =
            "SELECT seq, id, schema_name, parent, phase, file, source, checksum, created_at, updated_at FROM tandem.migrations ";

    private static Row row(ResultSet rs) throws SQLException {
        return new Row(
                rs.getLong(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                Phase.valueOf(rs.getString(5)),
                rs.getString(6),
                rs.getString(7),
                rs.getString(8),
                rs.getTimestamp(9).toInstant(),
                rs.getTimestamp(10).toInstant());
    }

    static Optional<Row> find(Connection c, String id) throws SQLException {
        if (!exists(c)) {
            return Optional.empty();
        }
        try (PreparedStatement ps = c.prepareStatement(SELECT + "WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    static List<Row> all(Connection c) throws SQLException {
        List<Row> rows = new ArrayList<>();
        if (!exists(c)) {
            return rows;
        }
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(SELECT + "ORDER BY seq")) {
            while (rs.next()) {
                rows.add(row(rs));
            }
        }
        return rows;
    }

    static List<Row> active(Connection c) throws SQLException {
        return all(c).stream().filter(r -> r.phase().active()).toList();
    }

    /** The migration with this id, or the only active one. */
    static Row resolve(Connection c, String id) throws SQLException {
        if (id != null) {
            return find(c, id)
                    .orElseThrow(() -> new TandemException(
                            ErrorCode.NO_ACTIVE_MIGRATION,
                            "no migration '" + id + "' is recorded in this database; `tandem history` lists them"));
        }
        List<Row> active = active(c);
        if (active.isEmpty()) {
            throw new TandemException(
                    ErrorCode.NO_ACTIVE_MIGRATION,
                    "no migration is active in this database; start one with `tandem start <file>`");
        }
        if (active.size() > 1) {
            throw new TandemException(
                    ErrorCode.USAGE,
                    "several migrations are active ("
                            + String.join(", ", active.stream().map(Row::id).toList())
                            + "); pick one with --migration ID");
        }
        return active.getFirst();
    }

    /** Records a new migration as PLANNED, after the last completed one on its schema. Runs in the caller's transaction. */
    static void insert(Connection c, Migration m, String actor) throws SQLException {
        String parent = lastComplete(c, m.schema());
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO tandem.migrations (id, schema_name, parent, phase, file, source, checksum) VALUES (?, ?, ?, 'PLANNED', ?, ?, ?)")) {
            ps.setString(1, m.id());
            ps.setString(2, m.schema());
            ps.setString(3, parent);
            ps.setString(4, m.text());
            ps.setString(5, m.source());
            ps.setString(6, m.checksum());
            ps.executeUpdate();
        }
        history(c, m.id(), m.schema(), null, Phase.PLANNED, false, null, actor);
    }

    /** The id of the last migration completed on this schema, which a new one follows; null for the first. */
    static String lastComplete(Connection c, String schema) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id FROM tandem.migrations WHERE schema_name = ? AND phase = 'COMPLETE' ORDER BY seq DESC LIMIT 1")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Moves a migration to another phase, if it is still in the expected one. Runs in the caller's transaction. */
    static void transition(Connection c, Row row, Phase to, boolean forced, String reason, String actor)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE tandem.migrations SET phase = ?, updated_at = now() WHERE id = ? AND phase = ?")) {
            ps.setString(1, to.name());
            ps.setString(2, row.id());
            ps.setString(3, row.phase().name());
            if (ps.executeUpdate() != 1) {
                throw new TandemException(
                        ErrorCode.PHASE_INVALID,
                        "migration " + row.id() + " changed phase while this command ran; check `tandem status`");
            }
        }
        history(c, row.id(), row.schema(), row.phase(), to, forced, reason, actor);
        try (Statement s = c.createStatement()) {
            s.execute(ClientState.notifySql(row.id()));
        }
    }

    static void history(
            Connection c, String id, String schema, Phase from, Phase to, boolean forced, String reason, String actor)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO tandem.history (migration_id, schema_name, from_phase, to_phase, forced, reason, actor) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, id);
            ps.setString(2, schema);
            ps.setString(3, from == null ? null : from.name());
            ps.setString(4, to.name());
            ps.setBoolean(5, forced);
            ps.setString(6, reason);
            ps.setString(7, actor);
            ps.executeUpdate();
        }
    }

    /**
     * Records an event that is not a phase change (a flag change) in the history: from and to the
     * migration's current phase, with what happened in {@code detail}. Runs in the caller's
     * transaction, after {@link #ensure}.
     */
    static void event(Connection c, Row row, String event, String detail, String actor) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO tandem.history (migration_id, schema_name, from_phase, to_phase, forced, reason, actor,"
                        + " event, detail) VALUES (?, ?, ?, ?, false, NULL, ?, ?, ?)")) {
            ps.setString(1, row.id());
            ps.setString(2, row.schema());
            ps.setString(3, row.phase().name());
            ps.setString(4, row.phase().name());
            ps.setString(5, actor);
            ps.setString(6, event);
            ps.setString(7, detail);
            ps.executeUpdate();
        }
    }

    /** A recorded recipe step and whether it already ran. */
    record StoredStep(Stage stage, int ordinal, PlannedStep step, boolean done) {}

    /** Records the recipe, so complete and rollback run exactly what start planned. Caller's transaction. */
    static void saveSteps(Connection c, String migrationId, Recipe recipe) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("INSERT INTO tandem.steps (migration_id, stage, ordinal, description, sql,"
                        + " lock_mode, transactional, estimate) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            int ordinal = 0;
            for (PlannedStep s : recipe.steps()) {
                ps.setString(1, migrationId);
                ps.setString(2, s.stage().name());
                ps.setInt(3, ordinal++);
                ps.setString(4, s.description());
                ps.setString(5, s.sql());
                ps.setString(6, s.lock().name());
                ps.setBoolean(7, s.transactional());
                ps.setString(8, s.estimate());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    static List<StoredStep> steps(Connection c, String migrationId, Stage stage) throws SQLException {
        List<StoredStep> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT ordinal, description, sql, lock_mode, transactional, estimate, done_at IS NOT NULL"
                        + " FROM tandem.steps WHERE migration_id = ? AND stage = ? ORDER BY ordinal")) {
            ps.setString(1, migrationId);
            ps.setString(2, stage.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new StoredStep(
                            stage,
                            rs.getInt(1),
                            new PlannedStep(
                                    stage,
                                    rs.getString(2),
                                    rs.getString(3),
                                    LockMode.valueOf(rs.getString(4)),
                                    rs.getBoolean(5),
                                    rs.getString(6)),
                            rs.getBoolean(7)));
                }
            }
        }
        return out;
    }

    /**
     * The complete or rollback that ran some steps but has not moved the migration's phase yet (it was
     * killed, or a step failed); null when there is none. A complete that began wins: once it removed
     * part of the old shape, rollback is refused.
     */
    static UnfinishedStage unfinished(Connection c, Row row) throws SQLException {
        if (!row.phase().active()) {
            return null;
        }
        for (Stage stage : List.of(Stage.COMPLETE, Stage.ROLLBACK)) {
            List<StoredStep> steps = steps(c, row.id(), stage);
            int done = (int) steps.stream().filter(StoredStep::done).count();
            if (done > 0) {
                return new UnfinishedStage(stage, done, steps.size());
            }
        }
        return null;
    }

    static void markDone(Connection c, String migrationId, StoredStep step) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE tandem.steps SET done_at = now() WHERE migration_id = ? AND stage = ? AND ordinal = ?")) {
            ps.setString(1, migrationId);
            ps.setString(2, step.stage().name());
            ps.setInt(3, step.ordinal());
            ps.executeUpdate();
        }
    }

    static List<HistoryEntry> history(Connection c) throws SQLException {
        List<HistoryEntry> out = new ArrayList<>();
        if (!exists(c)) {
            return out;
        }
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(Attempts.historyQuery(Attempts.archived(c), hasHistoryEvents(c)))) {
            while (rs.next()) {
                String from = rs.getString(4);
                Timestamp at = rs.getTimestamp(6);
                out.add(new HistoryEntry(
                        rs.getLong(1),
                        rs.getString(2),
                        rs.getString(3),
                        from == null ? null : Phase.valueOf(from),
                        Phase.valueOf(rs.getString(5)),
                        at.toInstant(),
                        rs.getBoolean(7),
                        rs.getString(8),
                        rs.getString(9),
                        rs.getInt(10),
                        rs.getString(11),
                        Flags.EVENT.equals(rs.getString(12)) ? HistoryEntry.Kind.FLAGS : HistoryEntry.Kind.PHASE,
                        rs.getString(13)));
            }
        }
        return out;
    }
}
