package dev.tandem.verify;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * One table compared between its old side and its new side, by key: the SQL of a segment's
 * fingerprint, of its (key, hash) stream, and of the rows of given keys, the same on both sides but
 * for each side's expressions. Keys travel as text, one string per key column, and are cast back to
 * the key columns' types; a row's key is also named by its text as a row value ({@code (42)}, {@code
 * (7,abc)}), the form the relay keys its changes by.
 */
record Pair(String name, Side old, Side neu, List<Column> key, List<Column> columns) {
    Pair {
        key = List.copyOf(key);
        columns = List.copyOf(columns);
    }

    /** A segment's bounds: the lower included, the upper excluded, null for open. */
    record Range(List<String> from, List<String> to) {
        static final Range ALL = new Range(null, null);
    }

    private static String joined(List<String> parts) {
        return String.join(", ", parts);
    }

    private String rangeKey(Side side) {
        List<String> parts = key.stream().map(side::rangeKey).toList();
        return parts.size() == 1 ? parts.getFirst() : "(" + joined(parts) + ")";
    }

    private String bound() {
        List<String> parts =
                key.stream().map(c -> "CAST(? AS " + c.type() + ")").toList();
        return parts.size() == 1 ? parts.getFirst() : "(" + joined(parts) + ")";
    }

    /** The WHERE clause of a range; its parameters are the from bound's, then the to bound's. */
    String where(Side side, Range r) {
        String k = rangeKey(side);
        if (r.from() == null && r.to() == null) {
            return "";
        }
        if (r.to() == null) {
            return " WHERE " + k + " >= " + bound();
        }
        if (r.from() == null) {
            return " WHERE " + k + " < " + bound();
        }
        return " WHERE " + k + " >= " + bound() + " AND " + k + " < " + bound();
    }

    /** The canonical row, hashed in the database. */
    String row(Side side) {
        return "ROW(" + columns.stream().map(c -> c.canonical(side.value(c))).collect(Collectors.joining(", ")) + ")";
    }

    /** The row's key as the text of a row value ({@link Side#keyText}). */
    String keyText(Side side) {
        return "ROW(" + key.stream().map(side::keyTextPart).collect(Collectors.joining(", ")) + ")::text COLLATE \"C\"";
    }

    private String keyParts(Side side) {
        return IntStream.range(0, key.size())
                .mapToObj(i -> side.value(key.get(i)) + "::text AS p" + i)
                .collect(Collectors.joining(", "));
    }

    private String from(Side side) {
        return " FROM " + side.table();
    }

    /**
     * The segment's count and two sums mod 2^64 over its canonical rows: of each row's 64-bit hash put
     * through two independently seeded finishers ({@code hashint8extended}, seeds 1 and 2). The record's
     * own hash combines its columns linearly, so a plain sum of it would not see values swapped between
     * two rows of a segment; the finishers make each row's terms non-linear. A NULL column hashes as 0
     * in a record, so the row hash is seeded 0, where no value this tool has met hashes to 0 (with seed
     * 1 a numeric zero does). {@code OFFSET 0} keeps the planner from pulling the subquery up, which
     * would copy the row hash into each finisher and compute it once per copy.
     */
    String fingerprint(Side side, Range r) {
        return "SELECT count(*), sum(hashint8extended(h, 1)), sum(hashint8extended(h, 2)) FROM (SELECT " + rowHash(side)
                + " AS h" + from(side) + where(side, r) + " OFFSET 0) s";
    }

    /**
     * The fingerprints of every fine range within {@code r} in one scan, for a single-column key: each
     * row's fine range is its {@code width_bucket} among the bounds (the first parameter, a text array),
     * which numbers the ranges as {@link Scan} does, from 0 below the first bound.
     */
    String grouped(Side side, Range r) {
        Column k = key.getFirst();
        return "SELECT width_bucket(k, CAST(CAST(? AS text[]) AS " + k.type() + "[])) AS b, count(*),"
                + " sum(hashint8extended(h, 1)), sum(hashint8extended(h, 2)) FROM (SELECT " + side.rangeKey(k)
                + " AS k, " + rowHash(side) + " AS h" + from(side) + where(side, r) + " OFFSET 0) s GROUP BY 1";
    }

    private String rowHash(Side side) {
        return "hash_record_extended(" + row(side) + ", 0)";
    }

    /**
     * The segment's (key text, row hash, key parts...) in key order: by the typed key where {@link
     * #typedOrder} (the index's order, no sort), else by the key text's bytes.
     */
    String stream(Side side, Range r) {
        String order = typedOrder() ? key.stream().map(side::rangeKey).collect(Collectors.joining(", ")) : "1";
        return "SELECT " + keyText(side) + " AS k, " + rowHash(side) + ", " + keyParts(side) + from(side)
                + where(side, r) + " ORDER BY " + order;
    }

    /**
     * Whether both sides order the key alike by its typed value, and the JVM can follow that order from
     * the key's text: integers (by value) and uuids (by their bytes, as their lowercase hex sorts).
     */
    boolean typedOrder() {
        return key.stream()
                        .allMatch(c -> INTEGERS.contains(c.type()) || c.type().equals("uuid"))
                && !old.castRange()
                && !neu.castRange();
    }

    static final List<String> INTEGERS = List.of("smallint", "integer", "bigint");

    /** The key parts of a sample of rows, in key order: the bounds of segments. */
    String sample(Side side, double percent) {
        return "SELECT " + keyParts(side) + from(side) + " TABLESAMPLE SYSTEM (" + percent + ") ORDER BY "
                + key.stream().map(side::rangeKey).collect(Collectors.joining(", "));
    }

    /**
     * The rows of the given keys (one text array parameter per key column), as (key text, each
     * column's canonical value as text).
     */
    String rows(Side side) {
        String values = columns.stream().map(c -> side.value(c) + "::text").collect(Collectors.joining(", "));
        return "SELECT " + keyText(side) + ", " + values + from(side) + " WHERE " + keyIn(side);
    }

    /** The row's key is one of the given keys: one text array parameter per key column. */
    String keyIn(Side side) {
        String unnest = IntStream.range(0, key.size())
                .mapToObj(i -> "CAST(? AS text[])")
                .collect(Collectors.joining(", "));
        String cast = IntStream.range(0, key.size())
                .mapToObj(i -> "CAST(u.k" + i + " AS " + key.get(i).type() + ")")
                .collect(Collectors.joining(", "));
        String names = IntStream.range(0, key.size()).mapToObj(i -> "k" + i).collect(Collectors.joining(", "));
        return rangeKey(side) + " IN (SELECT " + cast + " FROM unnest(" + unnest + ") AS u(" + names + "))";
    }
}
