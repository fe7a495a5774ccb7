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

    /** The segment's count and the sums of two independent 64-bit hashes of its canonical rows. */
    String fingerprint(Side side, Range r) {
        return "SELECT count(*), sum(" + hash("r", 1) + "), sum(" + hash("r", 2) + ") FROM (SELECT " + row(side)
                + " AS r" + from(side) + where(side, r) + ") s";
    }

    /**
     * A row's 64-bit hash with {@code seed}: the record's hash mixed once more, because the record's own
     * combines its columns linearly, so a sum of it over a segment would not see values swapped between
     * two rows of the segment (the sum of each column's hashes stays the same).
     */
    private static String hash(String row, int seed) {
        return "hashint8extended(hash_record_extended(" + row + ", " + seed + "), " + seed + ")";
    }

    /**
     * The segment's (key text, both hashes, key parts...) in the byte order of the key text. Both hashes,
     * because one alone can miss what the other sees (with seed 1, NULL and a numeric 0 both hash to 0).
     */
    String stream(Side side, Range r) {
        return "SELECT k, " + hash("r", 1) + ", " + hash("r", 2) + ", " + String.join(", ", partNames())
                + " FROM (SELECT "
                + keyText(side) + " AS k, " + row(side) + " AS r, " + keyParts(side) + from(side) + where(side, r)
                + ") s ORDER BY 1";
    }

    private List<String> partNames() {
        return IntStream.range(0, key.size()).mapToObj(i -> "p" + i).toList();
    }

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

    int parameters(Range r) {
        return (r.from() == null ? 0 : key.size()) + (r.to() == null ? 0 : key.size());
    }
}
