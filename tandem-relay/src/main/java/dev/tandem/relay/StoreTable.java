package dev.tandem.relay;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One table of one store as the catalog describes it: what {@link MoveTableCheck} needs to know of
 * the source and the target of a move. {@code kind} is PostgreSQL's {@code relkind}: 'r' a table,
 * 'p' a partitioned table; anything else is not a table a move can use.
 */
record StoreTable(
        String schema, String name, char kind, Map<String, Column> columns, List<String> primaryKey, List<Key> keys) {

    /**
     * A column: {@code type} as {@code format_type} writes it; {@code hasDefault} also for identity
     * columns; {@code generated} for stored generated columns, which no one writes; {@code builtin}
     * when the type is PostgreSQL's own, so that it means the same in the other store.
     */
    record Column(String name, String type, boolean notNull, boolean hasDefault, boolean generated, boolean builtin) {}

    /** A unique index usable to find a row by: valid, without expressions or a predicate. */
    record Key(String index, List<String> columns, boolean primary) {}

    private static final String TABLE = """
            SELECT c.oid, c.relkind
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ? AND c.relname = ?""";

    private static final String COLUMNS = """
            SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   (a.atthasdef AND a.attgenerated = '') OR a.attidentity <> '', a.attgenerated <> '',
                   t.typnamespace = 'pg_catalog'::regnamespace
            FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
            WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum""";

    private static final String KEYS = """
            SELECT i.indexrelid::regclass::text, i.indisprimary,
                   array(SELECT a.attname::text
                         FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
                         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                         WHERE k.n <= i.indnkeyatts ORDER BY k.n)
            FROM pg_index i
            WHERE i.indrelid = ? AND i.indisunique AND i.indisvalid AND i.indexprs IS NULL AND i.indpred IS NULL
            ORDER BY i.indisprimary DESC, 1""";

    /** The table, or empty when no relation of that name is in the schema. */
    static Optional<StoreTable> load(Connection c, String schema, String name) throws SQLException {
        long oid;
        char kind;
        try (PreparedStatement ps = c.prepareStatement(TABLE)) {
            ps.setString(1, schema);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                oid = rs.getLong(1);
                kind = rs.getString(2).charAt(0);
            }
        }
        Map<String, Column> columns = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(COLUMNS)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Column column = new Column(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getBoolean(3),
                            rs.getBoolean(4),
                            rs.getBoolean(5),
                            rs.getBoolean(6));
                    columns.put(column.name(), column);
                }
            }
        }
        List<Key> keys = new ArrayList<>();
        List<String> primaryKey = List.of();
        try (PreparedStatement ps = c.prepareStatement(KEYS)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Array array = rs.getArray(3);
                    Key key = new Key(rs.getString(1), List.of((String[]) array.getArray()), rs.getBoolean(2));
                    keys.add(key);
                    if (key.primary()) {
                        primaryKey = key.columns();
                    }
                }
            }
        }
        return Optional.of(new StoreTable(schema, name, kind, columns, primaryKey, keys));
    }

    StoreTable {
        columns = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(columns));
        primaryKey = List.copyOf(primaryKey);
        keys = List.copyOf(keys);
    }

    /** A quoted identifier: the one way this package writes a name into SQL. */
    static String id(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    boolean isTable() {
        return kind == 'r' || kind == 'p';
    }

    String qualified() {
        return schema + "." + name;
    }

    /**
     * Whether {@code columns} (in any order) find at most one row: they are the primary key, or a
     * unique index over exactly them whose columns are all NOT NULL (a NULL is distinct from every
     * other, so it could repeat), when {@code notNull} asks for it.
     */
    boolean identifiesRowsBy(List<String> columns, boolean notNull) {
        Set<String> wanted = Set.copyOf(columns);
        return keys.stream()
                .anyMatch(k -> k.columns().size() == wanted.size()
                        && wanted.containsAll(k.columns())
                        && (k.primary()
                                || !notNull
                                || k.columns().stream()
                                        .allMatch(c -> this.columns.containsKey(c)
                                                && this.columns.get(c).notNull())));
    }
}
