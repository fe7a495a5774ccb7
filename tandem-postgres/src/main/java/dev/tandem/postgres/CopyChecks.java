package dev.tandem.postgres;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a change through a copied column must refuse before anything changes, because the swap at
 * {@code complete} could not give the column the shape the file asks for: a {@code unique: true} that
 * would duplicate the column's existing uniqueness, a serial pseudo-type, a sequence narrowed below
 * its own value, and expression statistics over a column whose type changes.
 */
final class CopyChecks {
    private CopyChecks() {}

    /** The integer types a sequence may have, with their bounds. */
    private static final Map<String, long[]> SEQUENCE_TYPES = Map.of(
            "smallint", new long[] {Short.MIN_VALUE, Short.MAX_VALUE},
            "integer", new long[] {Integer.MIN_VALUE, Integer.MAX_VALUE},
            "bigint", new long[] {Long.MIN_VALUE, Long.MAX_VALUE});

    /**
     * The problems of copying {@code column} ({@code qualified}, as the file names it) of {@code table},
     * to {@code newType} (null when the type stays) and, when {@code unique}, with a new unique
     * constraint. Empty when there are none.
     */
    static List<String> problems(
            String qualified, Catalog.Table table, Catalog.Column column, String newType, boolean unique) {
        List<String> problems = new ArrayList<>();
        if (unique) {
            table.uniqueBy(column.name())
                    .ifPresent(existing -> problems.add("column " + qualified + " is already unique: " + existing
                            + ". Remove 'unique: true'; " + existing
                            + " is kept through the change, and another would only duplicate it"));
        }
        if (newType == null) {
            return problems;
        }
        String normalized = newType.strip().toLowerCase(Locale.ROOT);
        if (normalized.matches("(small|big)?serial[248]?")) {
            problems.add("column " + qualified + " cannot change to " + newType
                    + ", which is not a type: it would create another sequence and rewrite the table."
                    + " Write the integer type (smallint, integer or bigint); a sequence that already fills"
                    + " the column is widened with it at complete");
            return problems;
        }
        Catalog.Sequence sequence = table.sequences().get(column.name());
        String target = sequenceType(newType);
        if (sequence != null && target != null && !target.equals(sequence.type())) {
            long[] from = SEQUENCE_TYPES.get(sequence.type());
            long[] to = SEQUENCE_TYPES.get(target);
            // ALTER SEQUENCE ... AS moves a bound only when it was the old type's own bound.
            long max = sequence.max() == from[1] ? to[1] : sequence.max();
            long min = sequence.min() == from[0] ? to[0] : sequence.min();
            long value = sequence.lastValue() != null ? sequence.lastValue() : sequence.start();
            if (max > to[1] || min < to[0] || value > max || value < min) {
                problems.add("column " + qualified + " is filled by sequence " + sequence.name() + " (value " + value
                        + ", from " + sequence.min() + " to " + sequence.max() + "), which does not fit " + target
                        + "; the sequence must become " + target + " with the column at complete."
                        + " Keep the type, or lower the sequence first (ALTER SEQUENCE ... RESTART, MAXVALUE)");
            }
        }
        if (!normalized.equals(column.type())) {
            for (Catalog.Statistics s : table.statistics()) {
                if (!s.expressions().isEmpty() && s.dependsOn().contains(column.name())) {
                    problems.add("column " + qualified + " is used by statistics object " + s.schema() + "." + s.name()
                            + " on expressions, which may not hold for type " + newType
                            + "; drop it first, and create it again in a later migration");
                }
            }
        }
        return problems;
    }

    /**
     * The sequence type for a column type, when the column type is one a sequence may have: {@code
     * smallint}, {@code integer} or {@code bigint}, under any of their names; else null.
     */
    static String sequenceType(String columnType) {
        return switch (columnType.strip().toLowerCase(Locale.ROOT)) {
            case "smallint", "int2" -> "smallint";
            case "integer", "int", "int4" -> "integer";
            case "bigint", "int8" -> "bigint";
            default -> null;
        };
    }
}
