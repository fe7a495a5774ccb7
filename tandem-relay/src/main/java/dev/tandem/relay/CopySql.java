package dev.tandem.relay;

import dev.tandem.postgres.Sql;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The SQL of the copy of a move's existing rows ({@link ExistingRowsCopy}): on the source, the bound of
 * the next key range and the reads of a range; on the target, where a range's rows are written. Key
 * bounds are written as literals of the source key columns' own types (COPY takes no parameters), so
 * a range compares in the source's order and collation, as its primary key index does; the source
 * session must have {@code standard_conforming_strings} on.
 */
final class CopySql {
    /** The temporary table a range's rows are staged in on the target; it lives for the batch's transaction. */
    static final String STAGE = "pg_temp." + Sql.id("_tandem_copy");

    private final MoveSpec m;
    private final String table;
    private final String keys;
    private final List<String> keyTypes;
    private final String keyColumn;
    private final String format;

    /**
     * @param keyTypes the source key columns' types, as {@code format_type} names them
     * @param binary whether rows travel in binary ({@link CopyFormat}) rather than text
     */
    CopySql(MoveSpec m, List<String> keyTypes, boolean binary) {
        this.format = binary ? " (FORMAT binary)" : "";
        this.m = m;
        this.table = Sql.id(m.sourceSchema(), m.sourceTable());
        // qualified, so ORDER BY names the source's key column even where an output column is named like it
        this.keys = m.sourceKey().stream().map(k -> "_tandem_src." + Sql.id(k)).collect(Collectors.joining(", "));
        this.keyTypes = List.copyOf(keyTypes);
        String key = "_tandem_key";
        while (m.columns().containsKey(key)) {
            key = "_" + key;
        }
        this.keyColumn = Sql.id(key);
    }

    /** Source keys {@code (after, upTo]}, each end open when null; each a key as its columns' text. */
    record Range(List<String> after, List<String> upTo) {}

    /**
     * The key of the row {@code ?} rows past the first after {@code ?, ...} (one parameter per key
     * column, none when {@code first}), as the text of each key column: an index-only scan of the
     * primary key.
     */
    String bound(boolean first) {
        return "SELECT "
                + m.sourceKey().stream()
                        .map(k -> "_tandem_src." + Sql.id(k) + "::text")
                        .collect(Collectors.joining(", "))
                + " FROM " + table + " AS _tandem_src"
                + (first
                        ? ""
                        : " WHERE (" + keys + ") > ("
                                + keyTypes.stream().map(t -> "?::" + t).collect(Collectors.joining(", ")) + ")")
                + " ORDER BY " + keys + " OFFSET ? LIMIT 1";
    }

    /** The mapped keys of a range's rows, as capture renders them. */
    String keysIn(Range r) {
        return "SELECT " + Capture.mappedKey(m) + " FROM " + table + " AS _tandem_src" + where(r, List.of());
    }

    /**
     * A range's rows, mapped, in target column order and key order, as COPY data; without the rows
     * whose mapped keys are in {@code skip}; with the mapped key as a last column when {@code withKey}.
     */
    String read(Range r, List<String> skip, boolean withKey) {
        return "COPY (SELECT "
                + m.columns().values().stream().map(e -> "(" + e + ")").collect(Collectors.joining(", "))
                + (withKey ? ", " + Capture.mappedKey(m) : "")
                + " FROM " + table + " AS _tandem_src" + where(r, skip)
                + " ORDER BY " + keys + ") TO STDOUT" + format;
    }

    private String where(Range r, List<String> skip) {
        List<String> where = new ArrayList<>();
        if (r.after() != null) {
            where.add("(" + keys + ") > (" + keyLiteral(r.after()) + ")");
        }
        if (r.upTo() != null) {
            where.add("(" + keys + ") <= (" + keyLiteral(r.upTo()) + ")");
        }
        if (!skip.isEmpty()) {
            // one constant array, which PostgreSQL hashes: each row costs one lookup
            where.add("NOT (" + Capture.mappedKey(m) + " = ANY (" + Sql.literal(arrayText(skip)) + "::text[]))");
        }
        return where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where);
    }

    /** The text of a text[] value holding {@code elements}: each quoted, with its quotes and backslashes escaped. */
    private static String arrayText(List<String> elements) {
        return elements.stream()
                .map(e -> '"' + e.replace("\\", "\\\\").replace("\"", "\\\"") + '"')
                .collect(Collectors.joining(",", "{", "}"));
    }

    private String keyLiteral(List<String> key) {
        return IntStream.range(0, keyTypes.size())
                .mapToObj(i -> Sql.literal(key.get(i)) + "::" + keyTypes.get(i))
                .collect(Collectors.joining(", "));
    }

    /** Of the mapped keys in the array parameter, those the relay has applied a change to. */
    String touched() {
        return "SELECT key FROM tandem.applied WHERE migration_id = " + Sql.literal(m.migrationId())
                + " AND key = ANY (?::text[])";
    }

    /** The keys the relay has applied a change of the move to, up to as many as the parameter. */
    String touchedUpTo() {
        return "SELECT key FROM tandem.applied WHERE migration_id = " + Sql.literal(m.migrationId()) + " LIMIT ?";
    }

    /** Rows straight into the target table: every row must be new there. */
    String writeTarget() {
        return "COPY " + Sql.id(m.targetSchema(), m.targetTable()) + " ("
                + Sql.ids(List.copyOf(m.columns().keySet())) + ") FROM STDIN" + format;
    }

    /**
     * Creates the stage: the mapped columns with the target table's types as they are now (what a
     * binary COPY was chosen for), and the mapped key.
     */
    String createStage() {
        return "CREATE TEMP TABLE " + STAGE + " ON COMMIT DROP AS SELECT "
                + Sql.ids(List.copyOf(m.columns().keySet())) + ", NULL::text COLLATE \"C\" AS " + keyColumn + " FROM "
                + Sql.id(m.targetSchema(), m.targetTable()) + " WITH NO DATA";
    }

    String writeStage() {
        return "COPY " + STAGE + " FROM STDIN" + format;
    }

    /** Writes the staged rows whose keys the relay has not touched, over any row the target holds. */
    String insertStaged() {
        List<String> columns = List.copyOf(m.columns().keySet());
        String updates = columns.stream()
                .filter(c -> !m.targetKey().contains(c))
                .map(c -> Sql.id(c) + " = EXCLUDED." + Sql.id(c))
                .collect(Collectors.joining(", "));
        return """
                INSERT INTO %1$s (%2$s)
                SELECT %3$s FROM %4$s AS s
                WHERE NOT EXISTS (
                  SELECT 1 FROM tandem.applied a WHERE a.migration_id = %5$s AND a.key = s.%6$s
                )
                ON CONFLICT (%7$s) DO %8$s
                """.formatted(
                        Sql.id(m.targetSchema(), m.targetTable()),
                        Sql.ids(columns),
                        columns.stream().map(c -> "s." + Sql.id(c)).collect(Collectors.joining(", ")),
                        STAGE,
                        Sql.literal(m.migrationId()),
                        keyColumn,
                        Sql.ids(m.targetKey()),
                        updates.isEmpty() ? "NOTHING" : "UPDATE SET " + updates);
    }
}
