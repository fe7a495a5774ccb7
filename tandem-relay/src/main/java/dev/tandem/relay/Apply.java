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
    private static final JsonFactory JSON = new JsonFactory();

    private final String record;
    private final String write;

    Apply(MoveSpec m) {
        this.record = recordStatement(m);
        this.write = writeStatement(m);
    }

    /** A key (as JSON text) whose change won, with the version that won. */
    record Won(String key, long version) {}

    /** Applies {@code changes} in the caller's transaction on {@code target}; returns what won. */
    List<Won> apply(Connection target, List<Change> changes) throws SQLException {
        if (changes.isEmpty()) {
            return List.of();
        }
        List<Won> won = new ArrayList<>();
        try (PreparedStatement ps = target.prepareStatement(record)) {
            ps.setString(1, json(changes));
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
        try (PreparedStatement ps = target.prepareStatement(write)) {
            ps.setString(1, json(List.copyOf(winners.values())));
            ps.execute();
        }
        return won;
    }

    private static String recordStatement(MoveSpec m) {
        return """
                WITH incoming AS (
                  SELECT DISTINCT ON (c.key) c.key, c.version, c.op
                  FROM jsonb_to_recordset(?::jsonb) AS c(key jsonb, version bigint, op text)
                  ORDER BY c.key, c.version DESC
                )
                INSERT INTO tandem.applied AS a (migration_id, key, version, deleted)
                SELECT %s, i.key, i.version, i.op = 'D' FROM incoming i ORDER BY i.key
                ON CONFLICT (migration_id, key) DO UPDATE
                  SET version = EXCLUDED.version, deleted = EXCLUDED.deleted, applied_at = clock_timestamp()
                  WHERE a.version < EXCLUDED.version
                RETURNING a.key::text, a.version
                """.formatted(Sql.literal(m.migrationId()));
    }

    private static String writeStatement(MoveSpec m) {
        String target = Sql.id(m.targetSchema(), m.targetTable());
        List<String> columns = List.copyOf(m.columns().keySet());
        String keyMatch = m.targetKey().stream()
                .map(k -> "t." + Sql.id(k) + " = k." + Sql.id(k))
                .collect(Collectors.joining(" AND "));
        String updates = columns.stream()
                .filter(c -> !m.targetKey().contains(c))
                .map(c -> Sql.id(c) + " = EXCLUDED." + Sql.id(c))
                .collect(Collectors.joining(", "));
        return """
                WITH winners AS (
                  SELECT * FROM jsonb_to_recordset(?::jsonb) AS c(key jsonb, version bigint, op text, row jsonb)
                ), removed AS (
                  DELETE FROM %1$s AS t
                  USING winners w, LATERAL jsonb_populate_record(NULL::%1$s, w.key) AS k
                  WHERE w.op = 'D' AND %2$s
                )
                INSERT INTO %1$s (%3$s)
                SELECT %4$s FROM winners w, LATERAL jsonb_populate_record(NULL::%1$s, w.row) AS r
                WHERE w.op = 'U'
                ON CONFLICT (%5$s) DO %6$s
                """.formatted(
                        target,
                        keyMatch,
                        Sql.ids(columns),
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
