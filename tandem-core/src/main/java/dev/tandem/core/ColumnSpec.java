package dev.tandem.core;

/**
 * A column object of a migration file. {@code defaultValue}, {@code check}, {@code references},
 * {@code generated} and {@code comment} are null when absent.
 */
public record ColumnSpec(
        String name,
        String type,
        boolean nullable,
        String defaultValue,
        boolean unique,
        String check,
        ForeignKeyRef references,
        boolean primaryKey,
        Generated generated,
        String comment,
        SourceLocation location) {
    /** A column object without a generated value. */
    public ColumnSpec(
            String name,
            String type,
            boolean nullable,
            String defaultValue,
            boolean unique,
            String check,
            ForeignKeyRef references,
            boolean primaryKey,
            SourceLocation location) {
        this(name, type, nullable, defaultValue, unique, check, references, primaryKey, null, null, location);
    }
}
