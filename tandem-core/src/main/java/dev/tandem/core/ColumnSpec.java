package dev.tandem.core;

/**
 * A column object of a migration file. {@code defaultValue}, {@code check} and {@code references}
 * are null when absent.
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
        SourceLocation location) {}
