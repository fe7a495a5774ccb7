package dev.tandem.relay;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The moves a source store is delivering, in its {@code tandem.moves}: each move's spec and the name
 * of its target store, so that any relay started against the source finds them all.
 */
public final class MoveRegistry {
    private static final JsonFactory JSON = new JsonFactory();

    private MoveRegistry() {}

    /**
     * A move being delivered to the store named {@code store}. {@code reverse} carries the target's
     * changes back to the source once the move is cut over (null for a move registered by a tandem
     * that had no cutover); {@code authoritative} says which side application writes go to now.
     */
    public record Registered(MoveSpec spec, String store, MoveSpec reverse, Side authoritative) {}

    /** The side of a move that application writes go to. */
    public enum Side {
        SOURCE,
        TARGET
    }

    static final String DDL = """
            CREATE TABLE IF NOT EXISTS tandem.moves (
              migration_id text PRIMARY KEY,
              store        text NOT NULL,
              spec         text NOT NULL,
              copied_rows  bigint,
              copy_last    text[],
              copy_rows    bigint NOT NULL DEFAULT 0,
              copied_at    timestamptz,
              created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
              max_lag_ms   bigint,
              reverse_spec text,
              authoritative text NOT NULL DEFAULT 'source' CHECK (authoritative IN ('source', 'target')),
              completed_at timestamptz
            );
            DO $$ BEGIN
              -- Only a tandem.moves an earlier tandem made lacks it; looked up first, so that a
              -- registration takes no lock on the table otherwise.
              IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'tandem.moves'::regclass
                             AND attname = 'max_lag_ms' AND NOT attisdropped) THEN
                ALTER TABLE tandem.moves ADD COLUMN max_lag_ms bigint;
              END IF;
              IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'tandem.moves'::regclass
                             AND attname = 'authoritative' AND NOT attisdropped) THEN
                ALTER TABLE tandem.moves ADD COLUMN reverse_spec text,
                  ADD COLUMN authoritative text NOT NULL DEFAULT 'source'
                    CHECK (authoritative IN ('source', 'target')),
                  ADD COLUMN completed_at timestamptz;
              END IF;
            END $$;
            GRANT SELECT ON tandem.moves TO PUBLIC;
            """;

    /** Records (or replaces) a move, its source authoritative; the caller commits. */
    public static void register(Connection c, MoveSpec spec, MoveSpec reverse, String store) throws SQLException {
        try (var s = c.createStatement()) {
            s.execute(DDL);
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO tandem.moves (migration_id, store, spec,"
                + " reverse_spec) VALUES (?, ?, ?, ?) ON CONFLICT (migration_id) DO UPDATE SET store = EXCLUDED.store,"
                + " spec = EXCLUDED.spec, reverse_spec = EXCLUDED.reverse_spec, authoritative = 'source',"
                + " completed_at = NULL")) {
            ps.setString(1, spec.migrationId());
            ps.setString(2, store);
            ps.setString(3, toJson(spec));
            ps.setString(4, reverse == null ? null : toJson(reverse));
            ps.executeUpdate();
        }
    }

    /** Records which side is authoritative (and, with {@code completed}, that sync stopped); the caller commits. */
    static void authoritative(Connection c, String migrationId, Side side, boolean completed) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE tandem.moves SET authoritative = ?,"
                + " completed_at = CASE WHEN ? THEN clock_timestamp() END WHERE migration_id = ?")) {
            ps.setString(1, side.name().toLowerCase(java.util.Locale.ROOT));
            ps.setBoolean(2, completed);
            ps.setString(3, migrationId);
            ps.executeUpdate();
        }
    }

    /** The registration of {@code migrationId}; empty when it has none. */
    public static java.util.Optional<Registered> find(Connection c, String migrationId) throws SQLException {
        return all(c).stream()
                .filter(r -> r.spec().migrationId().equals(migrationId))
                .findFirst();
    }

    /**
     * Records the lag bound within which the move counts as backfilled ({@link MoveStatus}); a move
     * without one has {@link MoveStatus#DEFAULT_MAX_LAG}.
     */
    static void maxLag(Connection c, String migrationId, java.time.Duration bound) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE tandem.moves SET max_lag_ms = ? WHERE migration_id = ?")) {
            ps.setLong(1, bound.toMillis());
            ps.setString(2, migrationId);
            ps.executeUpdate();
        }
    }

    /** Records that the copy of existing rows is done. */
    public static void copied(Connection c, String migrationId, long rows) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE tandem.moves SET copied_rows = ?, copied_at = clock_timestamp() WHERE migration_id = ?")) {
            ps.setLong(1, rows);
            ps.setString(2, migrationId);
            ps.executeUpdate();
        }
    }

    /** Where a copy stopped: the last source key copied (null: from the start) and the rows copied so far. */
    record Checkpoint(List<String> lastKey, long rows) {}

    /** The checkpoint of a registered move whose copy is not done; from the start otherwise. */
    static Checkpoint checkpoint(Connection c, String migrationId) throws SQLException {
        if (!exists(c)) {
            return new Checkpoint(null, 0);
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT copy_last, copy_rows FROM tandem.moves WHERE migration_id = ? AND copied_at IS NULL")) {
            ps.setString(1, migrationId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getArray(1) == null) {
                    return new Checkpoint(null, 0);
                }
                return new Checkpoint(List.of((String[]) rs.getArray(1).getArray()), rs.getLong(2));
            }
        }
    }

    /** Records a copy's checkpoint for a registered move; a no-op for one that is not registered. */
    static void checkpoint(Connection c, String migrationId, List<String> lastKey, long rows) throws SQLException {
        if (!exists(c)) {
            return;
        }
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE tandem.moves SET copy_last = ?, copy_rows = ? WHERE migration_id = ?")) {
            ps.setArray(1, c.createArrayOf("text", lastKey.toArray()));
            ps.setLong(2, rows);
            ps.setString(3, migrationId);
            ps.executeUpdate();
        }
    }

    public static void remove(Connection c, String migrationId) throws SQLException {
        if (exists(c)) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM tandem.moves WHERE migration_id = ?")) {
                ps.setString(1, migrationId);
                ps.executeUpdate();
            }
        }
    }

    /** Every registered move; empty when the source has none. */
    public static List<Registered> all(Connection c) throws SQLException {
        List<Registered> out = new ArrayList<>();
        if (!exists(c)) {
            return out;
        }
        // Read through to_jsonb: a tandem.moves made by an earlier tandem lacks the later columns.
        try (PreparedStatement ps = c.prepareStatement("SELECT spec, store, to_jsonb(m) ->> 'reverse_spec',"
                        + " coalesce(to_jsonb(m) ->> 'authoritative', 'source') FROM tandem.moves m"
                        + " ORDER BY migration_id");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String reverse = rs.getString(3);
                out.add(new Registered(
                        fromJson(rs.getString(1)),
                        rs.getString(2),
                        reverse == null ? null : fromJson(reverse),
                        Side.valueOf(rs.getString(4).toUpperCase(java.util.Locale.ROOT))));
            }
        }
        return out;
    }

    private static boolean exists(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass('tandem.moves') IS NOT NULL");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    static String toJson(MoveSpec m) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("migrationId", m.migrationId());
            g.writeStringField("sourceSchema", m.sourceSchema());
            g.writeStringField("sourceTable", m.sourceTable());
            strings(g, "sourceKey", m.sourceKey());
            g.writeStringField("targetSchema", m.targetSchema());
            g.writeStringField("targetTable", m.targetTable());
            g.writeObjectFieldStart("columns");
            for (Map.Entry<String, String> e : m.columns().entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            strings(g, "targetKey", m.targetKey());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void strings(JsonGenerator g, String field, List<String> values) throws IOException {
        g.writeArrayFieldStart(field);
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    static MoveSpec fromJson(String json) {
        Map<String, String> scalars = new LinkedHashMap<>();
        Map<String, List<String>> lists = new LinkedHashMap<>();
        Map<String, String> columns = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(json)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (t == JsonToken.START_ARRAY) {
                    List<String> values = new ArrayList<>();
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        values.add(p.getText());
                    }
                    lists.put(field, values);
                } else if (t == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String column = p.currentName();
                        p.nextToken();
                        columns.put(column, p.getText());
                    }
                } else {
                    scalars.put(field, p.getText());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new MoveSpec(
                scalars.get("migrationId"),
                scalars.get("sourceSchema"),
                scalars.get("sourceTable"),
                lists.get("sourceKey"),
                scalars.get("targetSchema"),
                scalars.get("targetTable"),
                columns,
                lists.get("targetKey"));
    }
}
