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

    /**
     * Records the newest change of each key that is newer than what the target holds, and returns
     * those. Keys the target has seen are updated in place and new ones inserted: an {@code INSERT ...
     * ON CONFLICT DO UPDATE} of every key costs several times as much where most keys exist. A key
     * another relay records meanwhile is not in this statement's snapshot, so it reaches the insert,
     * whose conflict clause waits for that relay and keeps the newer version.
     */
    private static String recordStatement(MoveSpec m) {
        return """
                WITH fence AS (
                  SELECT pg_advisory_xact_lock_shared(%2$s)
                ), incoming AS MATERIALIZED (
                  SELECT DISTINCT ON (c.key) c.key, c.version, c.op = 'D' AS deleted
                  FROM (SELECT u.key COLLATE "C" AS key, u.version, u.op
                        FROM unnest(?::text[], ?::bigint[], ?::text[]) AS u(key, version, op)) AS c
                  CROSS JOIN fence
                  ORDER BY c.key, c.version DESC
                ), newer AS (
                  UPDATE tandem.applied AS a
                  SET version = i.version, deleted = i.deleted, applied_at = clock_timestamp()
                  FROM incoming i
                  WHERE a.migration_id = %1$s AND a.key = i.key AND a.version < i.version
                  RETURNING a.key, a.version
                ), added AS (
                  INSERT INTO tandem.applied AS a (migration_id, key, version, deleted)
                  SELECT %1$s, i.key, i.version, i.deleted FROM incoming i
                  WHERE NOT EXISTS (SELECT FROM tandem.applied x WHERE x.migration_id = %1$s AND x.key = i.key)
                  ORDER BY i.key
                  ON CONFLICT (migration_id, key) DO UPDATE
                    SET version = EXCLUDED.version, deleted = EXCLUDED.deleted, applied_at = clock_timestamp()
                    WHERE a.version < EXCLUDED.version
                  RETURNING a.key, a.version
                )
                SELECT key, version FROM newer UNION ALL SELECT key, version FROM added
                """.formatted(Sql.literal(m.migrationId()), copyFence(m));
    }

    /**
     * Writes the winners: deletes, then updates of the rows that exist, then inserts of the rest. Each
     * row and key is parsed once (a materialized CTE; a field reference to an inlined cast would parse
     * the text once per column). The relay holds the record lock of every winner, so no other relay
     * writes these keys meanwhile; the insert's conflict clause covers a row someone else inserted.
     */
    private static String writeStatement(MoveSpec m) {
        String target = Sql.id(m.targetSchema(), m.targetTable());
        List<String> columns = List.copyOf(m.columns().keySet());
        List<String> values =
                columns.stream().filter(c -> !m.targetKey().contains(c)).toList();
        String keyMatch = m.targetKey().stream()
                .map(k -> "t." + Sql.id(k) + " = %1$s." + Sql.id(k))
                .collect(Collectors.joining(" AND "));
        // OVERRIDING SYSTEM VALUE: a key that is an identity column GENERATED ALWAYS keeps the value
        // the other side gave it (a no-op for every other table).
        String insert = "INSERT INTO " + target + " (" + Sql.ids(columns) + ") OVERRIDING SYSTEM VALUE SELECT "
                + columns.stream().map(c -> "u." + Sql.id(c)).collect(Collectors.joining(", ")) + " FROM upserts u";
        String conflict = " ON CONFLICT (" + Sql.ids(m.targetKey()) + ") DO "
                + (values.isEmpty()
                        ? "NOTHING"
                        : "UPDATE SET "
                                + values.stream()
                                        .map(c -> Sql.id(c) + " = EXCLUDED." + Sql.id(c))
                                        .collect(Collectors.joining(", ")));
        String head = """
                WITH input AS (
                  SELECT * FROM unnest(?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS c(op, key, row, n)
                ), upserts AS MATERIALIZED (
                  SELECT c.n AS _tandem_n, (c.row::%2$s).* FROM input c WHERE c.op = 'U'
                ), deletes AS MATERIALIZED (
                  SELECT (c.key::%3$s).* FROM input c WHERE c.op = 'D'
                ), removed AS (
                  DELETE FROM %1$s AS t USING deletes d WHERE %4$s
                )
                """.formatted(target, TargetState.rowType(m), TargetState.keyType(m), keyMatch.formatted("d"));
        if (values.isEmpty()) {
            return head + insert + conflict;
        }
        String update = "UPDATE " + target + " AS t SET "
                + values.stream().map(c -> Sql.id(c) + " = u." + Sql.id(c)).collect(Collectors.joining(", "))
                + " FROM upserts u WHERE " + keyMatch.formatted("u") + " RETURNING u._tandem_n";
        // By ordinal, never NULL: a hashed subplan, where an anti-join on the key, planned for a
        // handful of rows, ran a nested loop over the whole batch.
        return head + ", updated AS (" + update + ")\n" + insert
                + " WHERE u._tandem_n NOT IN (SELECT _tandem_n FROM updated)" + conflict;
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
}
