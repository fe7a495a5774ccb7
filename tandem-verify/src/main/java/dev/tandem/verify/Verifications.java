package dev.tandem.verify;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The results of verifications, in the migration's store ({@code tandem.verifications}, with the
 * drifted keys of each in {@code tandem.verification_drift}): the record the cutover gate reads, the
 * last result {@code status} shows, and the trail an auditor reads.
 */
public final class Verifications {
    private Verifications() {}

    private static final String DDL = """
            SELECT pg_advisory_xact_lock(hashtext('tandem.verifications'));
            CREATE SCHEMA IF NOT EXISTS tandem;
            CREATE TABLE IF NOT EXISTS tandem.verifications (
              id               bigserial PRIMARY KEY,
              migration_id     text NOT NULL,
              started_at       timestamptz NOT NULL,
              took_ms          bigint NOT NULL,
              compared         text[] NOT NULL,
              method           text NOT NULL,
              rows_compared    bigint NOT NULL,
              rows_per_second  double precision NOT NULL,
              drift_rows       bigint NOT NULL,
              suspects_cleared bigint NOT NULL,
              unresolved       bigint NOT NULL,
              invariant_names  text[] NOT NULL,
              invariant_old    text[] NOT NULL,
              invariant_new    text[] NOT NULL,
              invariant_held   boolean[] NOT NULL,
              max_drift_rows   bigint NOT NULL,
              passed           boolean NOT NULL,
              actor            text NOT NULL DEFAULT current_user
            );
            CREATE INDEX IF NOT EXISTS verifications_by_migration ON tandem.verifications (migration_id, id);
            CREATE TABLE IF NOT EXISTS tandem.verification_drift (
              verification_id bigint NOT NULL REFERENCES tandem.verifications ON DELETE CASCADE,
              ordinal         int NOT NULL,
              table_name      text NOT NULL,
              key             text NOT NULL,
              kind            text NOT NULL,
              columns         text[] NOT NULL,
              old_values      text[] NOT NULL,
              new_values      text[] NOT NULL,
              PRIMARY KEY (verification_id, ordinal)
            );
            GRANT SELECT ON tandem.verifications, tandem.verification_drift TO PUBLIC;
            """;

    static void install(Connection c) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute(DDL);
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /** Records {@code v}; returns it with its id. */
    static Verification record(Connection c, Verification v) throws SQLException {
        install(c);
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            long id;
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO tandem.verifications (migration_id, started_at, took_ms, compared, method,
                      rows_compared, rows_per_second, drift_rows, suspects_cleared, unresolved, invariant_names,
                      invariant_old, invariant_new, invariant_held, max_drift_rows, passed)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""")) {
                int i = 1;
                ps.setString(i++, v.migrationId());
                ps.setTimestamp(i++, Timestamp.from(v.startedAt()));
                ps.setLong(i++, v.took().toMillis());
                ps.setArray(i++, texts(c, v.compared()));
                ps.setString(i++, v.method());
                ps.setLong(i++, v.rows());
                ps.setDouble(i++, v.rowsPerSecond());
                ps.setLong(i++, v.driftRows());
                ps.setLong(i++, v.suspectsCleared());
                ps.setLong(i++, v.unresolved());
                ps.setArray(
                        i++,
                        texts(
                                c,
                                v.invariants().stream()
                                        .map(InvariantResult::name)
                                        .toList()));
                ps.setArray(
                        i++,
                        texts(
                                c,
                                v.invariants().stream()
                                        .map(InvariantResult::oldValue)
                                        .toList()));
                ps.setArray(
                        i++,
                        texts(
                                c,
                                v.invariants().stream()
                                        .map(InvariantResult::newValue)
                                        .toList()));
                ps.setArray(
                        i++,
                        c.createArrayOf(
                                "boolean",
                                v.invariants().stream()
                                        .map(InvariantResult::held)
                                        .toArray()));
                ps.setLong(i++, v.maxDriftRows());
                ps.setBoolean(i, v.passed());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    id = rs.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO tandem.verification_drift"
                    + " (verification_id, ordinal, table_name, key, kind, columns, old_values, new_values)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                int ordinal = 0;
                for (Drift d : v.drift()) {
                    ps.setLong(1, id);
                    ps.setInt(2, ordinal++);
                    ps.setString(3, d.table());
                    ps.setString(4, d.key());
                    ps.setString(5, d.kind().name());
                    ps.setArray(
                            6,
                            texts(
                                    c,
                                    d.fields().stream()
                                            .map(Drift.FieldDiff::column)
                                            .toList()));
                    ps.setArray(
                            7,
                            texts(
                                    c,
                                    d.fields().stream()
                                            .map(Drift.FieldDiff::oldValue)
                                            .toList()));
                    ps.setArray(
                            8,
                            texts(
                                    c,
                                    d.fields().stream()
                                            .map(Drift.FieldDiff::newValue)
                                            .toList()));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
            return new Verification(
                    id,
                    v.migrationId(),
                    v.startedAt(),
                    v.took(),
                    v.compared(),
                    v.method(),
                    v.rows(),
                    v.rowsPerSecond(),
                    v.driftRows(),
                    v.drift(),
                    v.suspectsCleared(),
                    v.unresolved(),
                    v.invariants(),
                    v.maxDriftRows(),
                    v.passed());
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /**
     * The last verification of a migration to start, if any has been recorded: a slow pass that started
     * earlier and ended later never hides a newer one.
     */
    public static Optional<Verification> last(Connection c, String migrationId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass('tandem.verifications') IS NOT NULL");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return Optional.empty();
            }
        }
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT id, started_at, took_ms, compared, method, rows_compared, rows_per_second, drift_rows,
                  suspects_cleared, unresolved, invariant_names, invariant_old, invariant_new, invariant_held,
                  max_drift_rows, passed
                FROM tandem.verifications WHERE migration_id = ? ORDER BY started_at DESC, id DESC LIMIT 1""")) {
            ps.setString(1, migrationId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                long id = rs.getLong(1);
                List<String> names = strings(rs.getArray(11));
                List<String> olds = strings(rs.getArray(12));
                List<String> news = strings(rs.getArray(13));
                Boolean[] held = (Boolean[]) rs.getArray(14).getArray();
                List<InvariantResult> invariants = new ArrayList<>();
                for (int i = 0; i < names.size(); i++) {
                    invariants.add(new InvariantResult(names.get(i), olds.get(i), news.get(i), held[i]));
                }
                return Optional.of(new Verification(
                        id,
                        migrationId,
                        rs.getTimestamp(2).toInstant(),
                        Duration.ofMillis(rs.getLong(3)),
                        strings(rs.getArray(4)),
                        rs.getString(5),
                        rs.getLong(6),
                        rs.getDouble(7),
                        rs.getLong(8),
                        drift(c, id),
                        rs.getLong(9),
                        rs.getLong(10),
                        invariants,
                        rs.getLong(15),
                        rs.getBoolean(16)));
            }
        }
    }

    private static List<Drift> drift(Connection c, long id) throws SQLException {
        List<Drift> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT table_name, key, kind, columns, old_values, new_values"
                + " FROM tandem.verification_drift WHERE verification_id = ? ORDER BY ordinal")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    List<String> columns = strings(rs.getArray(4));
                    List<String> olds = strings(rs.getArray(5));
                    List<String> news = strings(rs.getArray(6));
                    List<Drift.FieldDiff> fields = new ArrayList<>();
                    for (int i = 0; i < columns.size(); i++) {
                        fields.add(new Drift.FieldDiff(columns.get(i), olds.get(i), news.get(i)));
                    }
                    out.add(new Drift(rs.getString(1), rs.getString(2), Drift.Kind.valueOf(rs.getString(3)), fields));
                }
            }
        }
        return out;
    }

    private static Array texts(Connection c, List<String> values) throws SQLException {
        return c.createArrayOf("text", values.toArray());
    }

    private static List<String> strings(Array a) throws SQLException {
        return Arrays.asList((String[]) a.getArray());
    }
}
