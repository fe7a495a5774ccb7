package dev.tandem.relay;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tandem.postgres.Sql;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The guarded apply of a batch of changes to the target table, as one statement: of each key's
 * changes in the batch only the newest counts, and it is applied only if it is newer than the version
 * the target holds for that key; the version is recorded in the same statement, a delete as a
 * tombstone. Two relays applying one key at once are serialised by that record's row lock, and the
 * loser finds the newer version when it gets the lock. Duplicates, reordering and a copy racing with
 * live changes therefore converge to the same rows. (PostgreSQL runs each data-modifying part of
 * the statement once, whether the final SELECT reads it or not.)
 */
final class Apply {
    private static final JsonFactory JSON = new JsonFactory();

    private final MoveSpec m;
    private final String sql;

    Apply(MoveSpec m) {
        this.m = m;
        this.sql = statement(m);
    }

    /** The keys (as JSON text) whose change won, with the version that won. */
    record Won(String key, long version) {}

    /** Applies {@code changes} in the caller's transaction on {@code target}; returns what won. */
    List<Won> apply(Connection target, List<Change> changes) throws SQLException {
        if (changes.isEmpty()) {
            return List.of();
        }
        List<Won> won = new ArrayList<>();
        try (PreparedStatement ps = target.prepareStatement(sql)) {
            ps.setString(1, json(changes));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    won.add(new Won(rs.getString(1), rs.getLong(2)));
                }
            }
        }
        return won;
    }

    private static String statement(MoveSpec m) {
        String target = Sql.id(m.targetSchema(), m.targetTable());
        String migration = Sql.literal(m.migrationId());
        List<String> columns = List.copyOf(m.columns().keySet());
        String cols = Sql.ids(columns);
        String keyMatch = m.targetKey().stream()
                .map(k -> "t." + Sql.id(k) + " = k." + Sql.id(k))
                .collect(Collectors.joining(" AND "));
        String updates = columns.stream()
                .filter(c -> !m.targetKey().contains(c))
                .map(c -> Sql.id(c) + " = EXCLUDED." + Sql.id(c))
                .collect(Collectors.joining(", "));
        return """
                WITH incoming AS (
                  SELECT DISTINCT ON (c.key) c.key, c.version, c.op, c.row
                  FROM jsonb_to_recordset(?::jsonb) AS c(key jsonb, version bigint, op text, row jsonb)
                  ORDER BY c.key, c.version DESC
                ), won AS (
                  INSERT INTO tandem.applied AS a (migration_id, key, version, deleted)
                  SELECT %1$s, i.key, i.version, i.op = 'D' FROM incoming i ORDER BY i.key
                  ON CONFLICT (migration_id, key) DO UPDATE
                    SET version = EXCLUDED.version, deleted = EXCLUDED.deleted, applied_at = clock_timestamp()
                    WHERE a.version < EXCLUDED.version
                  RETURNING a.key, a.version
                ), winners AS (
                  SELECT i.* FROM incoming i JOIN won w ON w.key = i.key AND w.version = i.version
                ), removed AS (
                  DELETE FROM %2$s AS t
                  USING winners w, LATERAL jsonb_populate_record(NULL::%2$s, w.key) AS k
                  WHERE w.op = 'D' AND %3$s
                ), upserted AS (
                  INSERT INTO %2$s (%4$s)
                  SELECT %5$s FROM winners w, LATERAL jsonb_populate_record(NULL::%2$s, w.row) AS r
                  WHERE w.op = 'U'
                  ON CONFLICT (%6$s) DO %7$s
                )
                SELECT w.key::text, w.version FROM won w
                """.formatted(
                        migration,
                        target,
                        keyMatch,
                        cols,
                        columns.stream().map(c -> "r." + Sql.id(c)).collect(Collectors.joining(", ")),
                        Sql.ids(m.targetKey()),
                        updates.isEmpty() ? "NOTHING" : "UPDATE SET " + updates);
    }

    /** The changes as the JSON array the statement reads: [{key, version, op, row}]. */
    static String json(List<Change> changes) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartArray();
            for (Change c : changes) {
                g.writeStartObject();
                g.writeFieldName("key");
                g.writeRawValue(c.key());
                g.writeNumberField("version", c.version());
                g.writeStringField("op", c.delete() ? "D" : "U");
                g.writeFieldName("row");
                if (c.row() == null) {
                    g.writeNull();
                } else {
                    g.writeRawValue(c.row());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
