package dev.tandem.postgres;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The backfill's SQL over one table's key: its primary key, a unique key over NOT NULL columns, or,
 * for a table with neither, the system column {@code ctid} (of type {@code tid}), compared in block
 * ranges by TID range scans. Keys travel as text arrays and are cast back to the key columns' own
 * types, so every comparison uses the key's own ordering and collation.
 */
final class BackfillSql {
    private BackfillSql() {}

    /** The key of a table without a row key; no user column may have this name. */
    static final List<String> CTID = List.of("ctid");

    static final List<String> CTID_TYPE = List.of("tid");

    /** Whether the backfill of {@code spec} walks ctid ranges ({@link BackfillBlockRanges}). */
    static boolean byCtid(Recipe.BackfillSpec spec) {
        return spec.keyColumns().equals(CTID);
    }

    /** {@code ("a", "b")}: the key as a row, for row comparisons. */
    static String keyList(Recipe.BackfillSpec spec) {
        return "(" + Sql.ids(spec.keyColumns()) + ")";
    }

    /** {@code (CAST(? AS int), CAST(? AS text))}: one key as bound parameters. */
    static String params(Recipe.BackfillSpec spec) {
        return "("
                + IntStream.range(0, spec.keyColumns().size())
                        .mapToObj(i -> "CAST(? AS " + spec.keyTypes().get(i) + ")")
                        .collect(Collectors.joining(", "))
                + ")";
    }

    /** The key of a row as a text array. */
    static String keyArray(Recipe.BackfillSpec spec) {
        return "ARRAY["
                + spec.keyColumns().stream().map(k -> Sql.id(k) + "::text").collect(Collectors.joining(", ")) + "]";
    }

    static String orderByKey(Recipe.BackfillSpec spec) {
        return " ORDER BY " + Sql.ids(spec.keyColumns());
    }

    /** Sets each new column that is still NULL, on the rows of a key range (both ends included). */
    static String update(Recipe.BackfillSpec spec) {
        return update(spec, spec.assignments());
    }

    static String update(Recipe.BackfillSpec spec, List<Recipe.Assignment> assignments) {
        String sets = assignments.stream()
                .map(a -> Sql.id(a.column()) + " = COALESCE(" + Sql.id(a.column()) + ", (" + a.expression() + "))")
                .collect(Collectors.joining(", "));
        return "UPDATE " + Sql.id(spec.schema(), spec.table()) + " SET " + sets + "\nWHERE " + inRange(spec) + " AND ("
                + unset(assignments) + ")";
    }

    /** The keys of the rows a batch over a key range would update, in key order. */
    static String keysToUpdate(Recipe.BackfillSpec spec) {
        return "SELECT " + keyArray(spec) + " FROM " + Sql.id(spec.schema(), spec.table()) + " WHERE " + inRange(spec)
                + " AND (" + unset(spec.assignments()) + ")" + orderByKey(spec);
    }

    private static String inRange(Recipe.BackfillSpec spec) {
        return keyList(spec) + " >= " + params(spec) + " AND " + keyList(spec) + " <= " + params(spec);
    }

    private static String unset(List<Recipe.Assignment> assignments) {
        return assignments.stream().map(a -> Sql.id(a.column()) + " IS NULL").collect(Collectors.joining(" OR "));
    }

    /** Binds one key from parameter {@code first} on; returns the next parameter's index. */
    static int bind(PreparedStatement ps, int first, Recipe.BackfillSpec spec, String[] key) throws SQLException {
        for (int i = 0; i < spec.keyColumns().size(); i++) {
            ps.setString(first + i, key[i]);
        }
        return first + spec.keyColumns().size();
    }

    /** {@code id = 42} or {@code (region, id) = (eu, 42)}, for messages. */
    static String describeKey(Recipe.BackfillSpec spec, String[] key) {
        return spec.keyColumns().size() == 1
                ? spec.keyColumns().getFirst() + " = " + key[0]
                : "(" + String.join(", ", spec.keyColumns()) + ") = (" + String.join(", ", key) + ")";
    }

    /** {@code id 1 .. 1000} or {@code (region, id) (eu, 1) .. (us, 7)}, for messages. */
    static String describeRange(Recipe.BackfillSpec spec, String[] from, String[] to) {
        return spec.keyColumns().size() == 1
                ? spec.keyColumns().getFirst() + " " + from[0] + " .. " + to[0]
                : "(" + String.join(", ", spec.keyColumns()) + ") (" + String.join(", ", from) + ") .. ("
                        + String.join(", ", to) + ")";
    }
}
