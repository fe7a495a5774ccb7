package dev.tandem.relay;

import dev.tandem.postgres.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The guarded apply of a batch of changes to the target table. Of each key's changes in the batch
 * only the newest counts, and it wins only if it is newer than the version the target holds for
 * that key. The first statement records the winners' versions (a delete as a tombstone), taking the
 * row lock of each key's record; the second writes the winners' rows. Two statements, not one:
 * under READ COMMITTED a statement reads from the snapshot it started with, so a delete in the same
 * statement as the wait for another relay's lock would not see the row that relay just inserted.
 * Once the first statement holds a key's lock, every earlier writer of that key has committed, and
 * the second statement sees its rows. Duplicates, reordering, several relays and a copy racing with
 * live changes therefore converge to the same rows.
 */
final class Apply {
    private final String record;
    private final String write;

    Apply(MoveSpec m) {
        this.record = recordStatement(m);
        this.write = writeStatement(m);
    }

    /** A key (as the text of its row value) whose change won, with the version that won. */
    record Won(String key, long version) {}

    /** Applies {@code changes} in the caller's transaction on {@code target}; returns what won. */
    List<Won> apply(Connection target, List<Change> changes) throws SQLException {
        if (changes.isEmpty()) {
            return List.of();
        }
        List<Won> won = new ArrayList<>();
        try (PreparedStatement ps = target.prepareStatement(record)) {
            ps.setArray(
                    1,
                    target.createArrayOf(
                            "text", changes.stream().map(Change::key).toArray()));
            ps.setArray(
                    2,
                    target.createArrayOf(
                            "bigint", changes.stream().map(Change::version).toArray()));
            ps.setArray(
                    3,
                    target.createArrayOf(
                            "text",
                            changes.stream().map(c -> c.delete() ? "D" : "U").toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    won.add(new Won(rs.getString(1), rs.getLong(2)));
                }
            }
        }
        if (won.isEmpty()) {
            return won;
        }
        Map<String, Long> wonVersions = new HashMap<>();
        won.forEach(w -> wonVersions.put(w.key(), w.version()));
        Map<String, Change> winners = new LinkedHashMap<>();
        for (Change c : changes) {
            Long v = wonVersions.get(c.key());
            if (v != null && v == c.version()) {
                winners.put(c.key(), c);
            }
        }
        List<Change> w = List.copyOf(winners.values());
        try (PreparedStatement ps = target.prepareStatement(write)) {
            ps.setArray(
                    1,
                    target.createArrayOf(
                            "text", w.stream().map(c -> c.delete() ? "D" : "U").toArray()));
            ps.setArray(
                    2, target.createArrayOf("text", w.stream().map(Change::key).toArray()));
            ps.setArray(
                    3, target.createArrayOf("text", w.stream().map(Change::row).toArray()));
            ps.execute();
        }
        return won;
    }

    private static String recordStatement(MoveSpec m) {
        return """
                WITH fence AS (
                  SELECT pg_advisory_xact_lock_shared(%2$s)
                ), incoming AS (
                  SELECT DISTINCT ON (c.key) c.key, c.version, c.op
                  FROM unnest(?::text[], ?::bigint[], ?::text[]) AS c(key, version, op)
                  ORDER BY c.key, c.version DESC
                )
                INSERT INTO tandem.applied AS a (migration_id, key, version, deleted)
                SELECT %1$s, i.key, i.version, i.op = 'D' FROM incoming i CROSS JOIN fence ORDER BY i.key
                ON CONFLICT (migration_id, key) DO UPDATE
                  SET version = EXCLUDED.version, deleted = EXCLUDED.deleted, applied_at = clock_timestamp()
                  WHERE a.version < EXCLUDED.version
                RETURNING a.key, a.version
                """.formatted(Sql.literal(m.migrationId()), copyFence(m));
    }

    /**
     * The advisory lock that keeps the copy of existing rows and the relay's applies apart: every apply
     * takes it shared (in its first statement, a volatile CTE evaluated before any row is recorded),
     * and each batch of the copy takes it exclusive before it reads {@code tandem.applied}. A copy
     * batch therefore sees every apply that committed before it, and no apply commits while it
     * writes; it skips every key the relay has touched, so it never brings back a row the relay
     * deleted or overwrite one the relay updated.
     */
    static String copyFence(MoveSpec m) {
        return "hashtext('tandem.copy'), hashtext(" + Sql.literal(m.migrationId()) + ")";
    }

    private static String writeStatement(MoveSpec m) {
        String target = Sql.id(m.targetSchema(), m.targetTable());
        List<String> columns = List.copyOf(m.columns().keySet());
        String keyMatch = m.targetKey().stream()
                .map(k -> "t." + Sql.id(k) + " = (w.k)." + Sql.id(k))
                .collect(Collectors.joining(" AND "));
        String updates = columns.stream()
                .filter(c -> !m.targetKey().contains(c))
                .map(c -> Sql.id(c) + " = EXCLUDED." + Sql.id(c))
                .collect(Collectors.joining(", "));
        return """
                WITH winners AS (
                  SELECT c.op, c.key::%2$s AS k, c.row::%3$s AS r
                  FROM unnest(?::text[], ?::text[], ?::text[]) AS c(op, key, row)
                ), removed AS (
                  DELETE FROM %1$s AS t USING winners w WHERE w.op = 'D' AND %4$s
                )
                INSERT INTO %1$s (%5$s)
                SELECT %6$s FROM winners w WHERE w.op = 'U'
                ON CONFLICT (%7$s) DO %8$s
                """.formatted(
                        target,
                        TargetState.keyType(m),
                        TargetState.rowType(m),
                        keyMatch,
                        Sql.ids(columns),
                        columns.stream().map(c -> "(w.r)." + Sql.id(c)).collect(Collectors.joining(", ")),
                        Sql.ids(m.targetKey()),
                        updates.isEmpty() ? "NOTHING" : "UPDATE SET " + updates);
    }
}
