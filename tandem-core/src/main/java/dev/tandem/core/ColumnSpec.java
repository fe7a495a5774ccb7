package dev.tandem.core;

/**
 * A column object of a migration file. {@code defaultValue}, {@code check}, {@code references},
 * {@code generated} and {@code comment} are null when absent. {@code uniqueName} and {@code checkName}
 * name the column's unique and check constraints (pgroll's {@code unique: {name}} and {@code check:
 * {name, constraint}}); null for PostgreSQL's own names.
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
        String uniqueName,
        String checkName,
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
        this(
                name,
                type,
                nullable,
                defaultValue,
                unique,
                check,
                references,
                primaryKey,
                null,
                null,
                null,
                null,
                location);
    }
}
