package dev.tandem.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A migration's backfill as recorded in {@code tandem.backfill}: each table's key range, row count,
 * how to fill it, its checkpoint, and whether it is paused, running, interrupted or failed.
 */
final class BackfillState {
    private BackfillState() {}

    /**
     * Adds {@code tandem.backfill.failure} (why the last batch failed on its data) to a state schema
     * made before it existed. The catalog is read first, so the ALTER, and its lock on the state
     * table, happens once per database. Called with auto-commit on, before a backfill runs.
     */
    static void ensureFailureColumn(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT 1 FROM pg_attribute WHERE attrelid = 'tandem.backfill'::regclass AND attname = 'failure'"
                                + " AND NOT attisdropped")) {
            if (rs.next()) {
                return;
            }
        }
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL lock_timeout = '5s'");
            s.execute("ALTER TABLE tandem.backfill ADD COLUMN IF NOT EXISTS failure text");
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** Records why a table's backfill failed, in the caller's transaction; a new run clears it. */
    static void recordFailure(Connection c, String migrationId, String table, String failure) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE tandem.backfill SET failure = ?, updated_at = now() WHERE migration_id = ? AND table_name = ?")) {
            ps.setString(1, failure);
            ps.setString(2, migrationId);
            ps.setString(3, table);
            ps.executeUpdate();
        }
    }

    /**
     * Records each table's key range (for a walk by ctid: its size in blocks, and its files) and row
     * count. Runs in the caller's transaction, right after expand, so after {@link BackfillOnUpdate} is
     * armed.
     */
    static void initialise(Connection c, String migrationId, List<Recipe.BackfillSpec> specs) throws SQLException {
        for (Recipe.BackfillSpec spec : specs) {
            String[] high = BackfillSql.byCtid(spec)
                    ? BackfillBlockRanges.measure(c, Sql.id(spec.schema(), spec.table()))
                    : highestKey(c, spec);
            long total = spec.estimatedRows();
            if (total < 1_000_000) {
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT count(*) FROM " + Sql.id(spec.schema(), spec.table()))) {
                    rs.next();
                    total = rs.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO tandem.backfill (migration_id, table_name, high_key, rows_total, done, schema_name, key_columns,"
                            + " key_types, set_columns, set_expressions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, migrationId);
                ps.setString(2, spec.table());
                ps.setArray(3, high == null ? null : c.createArrayOf("text", high));
                ps.setLong(4, total);
                ps.setBoolean(5, high == null);
                ps.setString(6, spec.schema());
                ps.setArray(7, c.createArrayOf("text", spec.keyColumns().toArray()));
                ps.setArray(8, c.createArrayOf("text", spec.keyTypes().toArray()));
                ps.setArray(
                        9,
                        c.createArrayOf(
                                "text",
                                spec.assignments().stream()
                                        .map(Recipe.Assignment::column)
                                        .toArray()));
                ps.setArray(
                        10,
                        c.createArrayOf(
                                "text",
                                spec.assignments().stream()
                                        .map(Recipe.Assignment::expression)
                                        .toArray()));
                ps.executeUpdate();
            }
        }
    }

    /** The highest key of the table, or null when it has no row. */
    private static String[] highestKey(Connection c, Recipe.BackfillSpec spec) throws SQLException {
        String keys = spec.keyColumns().stream().map(k -> Sql.id(k) + "::text").collect(Collectors.joining(", "));
        String order = spec.keyColumns().stream().map(k -> Sql.id(k) + " DESC").collect(Collectors.joining(", "));
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT ARRAY[" + keys + "] FROM " + Sql.id(spec.schema(), spec.table())
                        + " ORDER BY " + order + " LIMIT 1")) {
            return rs.next() ? (String[]) rs.getArray(1).getArray() : null;
        }
    }

    /** The backfill of each table of a migration, as recorded at start. */
    static List<Recipe.BackfillSpec> specs(Connection c, String migrationId) throws SQLException {
        List<Recipe.BackfillSpec> specs = new java.util.ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT schema_name, table_name, key_columns, key_types, set_columns,"
                        + " set_expressions, rows_total FROM tandem.backfill WHERE migration_id = ? ORDER BY table_name")) {
            ps.setString(1, migrationId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String[] columns = Backfill.strings(rs.getArray(5));
                    String[] expressions = Backfill.strings(rs.getArray(6));
                    List<Recipe.Assignment> assignments = new java.util.ArrayList<>();
                    for (int i = 0; i < columns.length; i++) {
                        assignments.add(new Recipe.Assignment(columns[i], expressions[i]));
                    }
                    specs.add(new Recipe.BackfillSpec(
                            rs.getString(1),
                            rs.getString(2),
                            List.of(Backfill.strings(rs.getArray(3))),
                            List.of(Backfill.strings(rs.getArray(4))),
                            assignments,
                            rs.getLong(7)));
                }
            }
        }
        return specs;
    }

    /** Progress of every table of a migration, summed, as recorded in the database. */
    static BackfillProgress progress(Connection c, String migrationId) throws SQLException {
        // The runner is alive if a backend with its pid began before it last wrote: after a restart,
        // a new backend may have the same pid. (backend_start is NULL when the runner is another role
        // and this one may not read its stats: then the pid alone decides.) The failure is read
        // through to_jsonb, so that status works on a state schema from before the column existed.
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT string_agg(table_name, ', '), coalesce(sum(rows_done), 0), coalesce(sum(rows_total), 0), bool_and(done),
                       bool_or(paused),
                       bool_or(runner_pid IS NOT NULL AND EXISTS (SELECT 1 FROM pg_stat_activity a
                                                                  WHERE a.pid = runner_pid
                                                                    AND (a.backend_start IS NULL OR a.backend_start <= b.updated_at))),
                       bool_or(runner_pid IS NOT NULL), count(*),
                       extract(epoch FROM max(updated_at) - min(started_at)),
                       string_agg(table_name || ': ' || (to_jsonb(b) ->> 'failure'), '; ')
                FROM tandem.backfill b WHERE migration_id = ?""")) {
            ps.setString(1, migrationId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getLong(8) == 0) {
                    return new BackfillProgress(null, 0, 0, 0, Duration.ZERO, BackfillProgress.State.DONE);
                }
                long done = rs.getLong(2);
                long total = Math.max(done, rs.getLong(3));
                double seconds = rs.getDouble(9);
                double rate = seconds > 0 ? done / seconds : 0;
                BackfillProgress.State state;
                if (rs.getBoolean(4)) {
                    state = BackfillProgress.State.DONE;
                } else if (rs.getBoolean(5)) {
                    state = BackfillProgress.State.PAUSED;
                } else if (rs.getBoolean(6)) {
                    state = BackfillProgress.State.RUNNING;
                } else if (rs.getString(10) != null) {
                    state = BackfillProgress.State.FAILED;
                } else if (rs.getBoolean(7)) {
                    state = BackfillProgress.State.INTERRUPTED;
                } else {
                    state = BackfillProgress.State.NOT_STARTED;
                }
                Duration eta = state == BackfillProgress.State.DONE
                        ? Duration.ZERO
                        : rate > 0 ? Duration.ofMillis((long) ((total - done) / rate * 1000)) : null;
                return new BackfillProgress(
                        rs.getString(1),
                        done,
                        total,
                        rate,
                        eta,
                        state,
                        state == BackfillProgress.State.FAILED ? rs.getString(10) : null);
            }
        }
    }

    /** Asks a running backfill to stop for good: the migration is being rolled back. */
    static void requestStop(Connection c, String migrationId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE tandem.backfill SET stop_requested = true, updated_at = now() WHERE migration_id = ?")) {
            ps.setString(1, migrationId);
            ps.executeUpdate();
        }
    }

    static void setPaused(Connection c, String migrationId, boolean paused) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE tandem.backfill SET paused = ?, updated_at = now() WHERE migration_id = ?")) {
            ps.setBoolean(1, paused);
            ps.setString(2, migrationId);
            ps.executeUpdate();
        }
    }
}
