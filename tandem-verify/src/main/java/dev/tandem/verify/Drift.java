package dev.tandem.verify;

import java.util.List;

/**
 * A key whose two sides still differ once the relay has caught up and its version did not move:
 * {@code table} is the compared table (the new side's name), {@code key} the key as a row value
 * ({@code (42)}, {@code (7,abc)}), and {@code fields} the columns that differ, with each side's value
 * ({@code null} for SQL NULL).
 */
public record Drift(String table, String key, Kind kind, List<FieldDiff> fields) {
    public Drift {
        fields = List.copyOf(fields);
    }

    /** How the sides differ at a key. */
    public enum Kind {
        /** On the old side only: the new side lacks it. */
        MISSING_ON_NEW,
        /** On the new side only: an extra row. */
        EXTRA_ON_NEW,
        /** On both, with a value that differs. */
        CHANGED,
        /** More than one row with the key on a side (one that has no unique key on it). */
        DUPLICATE_KEY
    }

    /** One column that differs at a key: its canonical value on each side, as text. */
    public record FieldDiff(String column, String oldValue, String newValue) {}
}
