package dev.tandem.postgres;

import dev.tandem.core.Migration;
import dev.tandem.testkit.EdgeCaseRows;
import dev.tandem.testkit.EdgeCaseRows.Column;
import dev.tandem.testkit.EdgeCaseRows.Row;
import dev.tandem.testkit.EdgeType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * The edge-case table of {@link EdgeCaseDataIT}, one migration over it, and the writes both shapes
 * make while it is active. Each column the migration changes has, here, the SQL that turns an
 * old-shape value into its new-shape value ({@link #toNew}); the IT holds the database to exactly
 * that, value by value.
 */
final class EdgeCaseMigration {
    static final String ID = "0001_edge_cases";
    /** Change the seed to see other combinations; a failure names the rows, so it reproduces. */
    static final long SEED = 20_260_701L;

    final EdgeCaseRows edge = EdgeCaseRows.builder()
            .table("edge")
            .key("k_text", EdgeType.TEXT, "C")
            .key("k_int", EdgeType.INTEGER)
            .key("k_uuid", EdgeType.UUID)
            .everyType()
            .random(new SplittableRandom(SEED))
            .randomRows(150)
            .build();

    /** text -> varchar(n) only where every value fits: n is the longest value, in characters. */
    final int textLength = edge.rows().stream()
            .map(r -> r.value(edge.indexOf("c_text")))
            .filter(v -> v != null)
            .mapToInt(v -> v.codePointCount(0, v.length()))
            .max()
            .orElseThrow();

    /**
     * The new shape's columns: name to the SQL computing the new value from a row of the old shape,
     * in the new shape's types. Columns the migration leaves alone map to themselves.
     */
    final Map<String, String> toNew = new LinkedHashMap<>();
    /** The new shape's columns with the type that shows them exactly. */
    final Map<String, EdgeType> newTypes = new LinkedHashMap<>();

    EdgeCaseMigration() {
        for (Column c : edge.columns()) {
            String name = c.name().equals("c_double") ? "c_float8" : c.name();
            toNew.put(name, EdgeCaseRows.quote(c.name()));
            newTypes.put(name, c.type());
        }
        toNew.put("c_integer", "c_integer::bigint");
        newTypes.put("c_integer", EdgeType.BIGINT);
        toNew.put("c_real", "c_real::double precision");
        newTypes.put("c_real", EdgeType.DOUBLE);
        toNew.put("c_text", "c_text::varchar(" + textLength + ")");
        toNew.put("c_timestamp", "c_timestamp AT TIME ZONE 'UTC'");
        newTypes.put("c_timestamp", EdgeType.TIMESTAMPTZ);
        toNew.put("c_numeric_copy", "c_numeric");
        newTypes.put("c_numeric_copy", EdgeType.NUMERIC);
        toNew.put("c_json_text", "c_json::text");
        newTypes.put("c_json_text", EdgeType.TEXT);
    }

    Migration migration() {
        return TestDb.migration(ID, """
                  - alter_column: { table: edge, column: c_integer, type: bigint, up: "c_integer::bigint", down: "c_integer::int" }
                  - alter_column: { table: edge, column: c_real, type: double precision, up: "c_real::double precision", down: "c_real::real" }
                  - alter_column: { table: edge, column: c_text, type: "varchar(%1$d)", up: "c_text::varchar(%1$d)", down: "c_text::text" }
                  - alter_column: { table: edge, column: c_timestamp, type: timestamptz, up: "c_timestamp AT TIME ZONE 'UTC'", down: "c_timestamp AT TIME ZONE 'UTC'" }
                  - add_column: { table: edge, column: { name: c_numeric_copy, type: numeric }, up: c_numeric }
                  - add_column: { table: edge, column: { name: c_json_text, type: text }, up: "c_json::text" }
                  - rename_column: { table: edge, from: c_double, to: c_float8 }
                """.formatted(textLength), """
                  - { field: edge.c_double, sunset: 2020-01-01 }
                """);
    }

    /** Exactly the old shape of {@code relation}, ordered by key. */
    String oldShapeExact(String relation) {
        return edge.exactSelect(relation);
    }

    /** Exactly the new shape that {@code oldShapeRelation} must have, ordered by key. */
    String expectedNewShapeExact(String oldShapeRelation) {
        return "SELECT "
                + toNew.entrySet().stream()
                        .map(e -> EdgeCaseRows.exact(e.getValue(), newTypes.get(e.getKey())))
                        .collect(Collectors.joining(", "))
                + " FROM " + oldShapeRelation + " ORDER BY k_text, k_int, k_uuid";
    }

    /** Exactly the new shape as {@code relation} (a new-shape view, or the table after complete) shows it. */
    String newShapeExact(String relation) {
        return "SELECT "
                + newTypes.entrySet().stream()
                        .map(e -> EdgeCaseRows.exact(EdgeCaseRows.quote(e.getKey()), e.getValue()))
                        .collect(Collectors.joining(", "))
                + " FROM " + relation + " ORDER BY k_text, k_int, k_uuid";
    }

    /** The names of the columns of {@link #oldShapeExact}, in order. */
    List<String> oldColumns() {
        return edge.columns().stream().map(Column::name).toList();
    }

    /** The names of the columns of {@link #newShapeExact} and {@link #expectedNewShapeExact}, in order. */
    List<String> newColumns() {
        return List.copyOf(toNew.keySet());
    }

    /**
     * Every cell where {@code actual} differs from {@code expected}, at most 20, each with its row's
     * key and both values cut to 120 characters: the rows hold values of 150 kB, far too long for an
     * assertion message. Empty when the two are equal; the key is the first three columns.
     */
    static List<String> differences(List<List<String>> actual, List<List<String>> expected, List<String> columns) {
        List<String> out = new ArrayList<>();
        if (actual.size() != expected.size()) {
            out.add(actual.size() + " rows, expected " + expected.size());
        }
        for (int r = 0; r < Math.min(actual.size(), expected.size()) && out.size() < 20; r++) {
            for (int c = 0; c < columns.size() && out.size() < 20; c++) {
                String a = actual.get(r).get(c);
                String e = expected.get(r).get(c);
                if (!java.util.Objects.equals(a, e)) {
                    out.add("row " + r + " "
                            + cut(String.valueOf(expected.get(r).subList(0, 3))) + " " + columns.get(c) + ": expected "
                            + cut(e) + " but was " + cut(a));
                }
            }
        }
        return out;
    }

    private static String cut(String value) {
        return value == null || value.length() <= 120
                ? String.valueOf(value)
                : value.substring(0, 120) + "... (" + value.length() + " chars)";
    }

    /** The old-shape literal of column {@code name} in {@code row}. */
    private String oldLiteral(Row row, String name) {
        return EdgeCaseRows.literal(edge.column(name), row.value(edge.indexOf(name)));
    }

    /** The new-shape value of column {@code name} (new name), computed by the server from the old literal. */
    private String newLiteral(Row row, String name) {
        return switch (name) {
            case "c_integer" -> "(" + oldLiteral(row, name) + ")::bigint";
            case "c_real" -> "(" + oldLiteral(row, name) + ")::double precision";
            case "c_text" -> "(" + oldLiteral(row, name) + ")::varchar(" + textLength + ")";
            case "c_timestamp" -> "(" + oldLiteral(row, name) + " AT TIME ZONE 'UTC')";
            case "c_float8" -> oldLiteral(row, "c_double");
            case "c_numeric_copy" -> oldLiteral(row, "c_numeric");
            case "c_json_text" -> "(" + oldLiteral(row, "c_json") + ")::text";
            default -> oldLiteral(row, name);
        };
    }

    private String where(Row row) {
        return " WHERE k_text = " + oldLiteral(row, "k_text") + " AND k_int = " + oldLiteral(row, "k_int")
                + " AND k_uuid = " + oldLiteral(row, "k_uuid");
    }

    /** {@code row} with a key of its own: {@code prefix/} + its text key, which no generated key has. */
    private Row rekeyed(Row row, String prefix) {
        List<String> values = new ArrayList<>(row.values());
        values.set(edge.indexOf("k_text"), prefix + "/" + values.get(edge.indexOf("k_text")));
        return new Row(values);
    }

    /**
     * The old-shape writer: inserts every row again under a new key, and sets every column the
     * migration changes or reads, on the rows with an even index, to the next row's values.
     */
    List<String> oldWrites() {
        List<String> sql = new ArrayList<>();
        List<Row> rows = edge.rows();
        for (int i = 0; i < rows.size(); i++) {
            sql.add(edge.insertSql(List.of(rekeyed(rows.get(i), "old"))));
            if (i % 2 == 0) {
                Row next = rows.get((i + 1) % rows.size());
                sql.add("UPDATE edge SET "
                        + List.of("c_integer", "c_real", "c_text", "c_timestamp", "c_double", "c_numeric", "c_json")
                                .stream()
                                .map(c -> EdgeCaseRows.quote(c) + " = " + oldLiteral(next, c))
                                .collect(Collectors.joining(", "))
                        + where(rows.get(i)));
            }
        }
        return sql;
    }

    /** The new-shape writer: the same, under other keys, on the rows with an odd index. */
    List<String> newWrites() {
        List<String> sql = new ArrayList<>();
        List<Row> rows = edge.rows();
        String names = toNew.keySet().stream().map(EdgeCaseRows::quote).collect(Collectors.joining(", "));
        for (int i = 0; i < rows.size(); i++) {
            Row row = rekeyed(rows.get(i), "new");
            sql.add("INSERT INTO edge (" + names + ") VALUES ("
                    + toNew.keySet().stream().map(c -> newLiteral(row, c)).collect(Collectors.joining(", ")) + ")");
            if (i % 2 == 1) {
                Row next = rows.get((i + 1) % rows.size());
                sql.add("UPDATE edge SET "
                        + List.of("c_integer", "c_real", "c_text", "c_timestamp", "c_float8").stream()
                                .map(c -> EdgeCaseRows.quote(c) + " = " + newLiteral(next, c))
                                .collect(Collectors.joining(", "))
                        + where(rows.get(i)));
            }
        }
        return sql;
    }

    /** What {@link #newWrites()} means in the old shape, for the control copy. */
    List<String> newWritesInOldShape() {
        List<String> sql = new ArrayList<>();
        List<Row> rows = edge.rows();
        for (int i = 0; i < rows.size(); i++) {
            sql.add(edge.insertSql(List.of(rekeyed(rows.get(i), "new"))));
            if (i % 2 == 1) {
                Row next = rows.get((i + 1) % rows.size());
                sql.add("UPDATE edge SET "
                        + List.of("c_integer", "c_real", "c_text", "c_timestamp", "c_double").stream()
                                .map(c -> EdgeCaseRows.quote(c) + " = " + oldLiteral(next, c))
                                .collect(Collectors.joining(", "))
                        + where(rows.get(i)));
            }
        }
        return sql;
    }
}
