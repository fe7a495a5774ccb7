package dev.tandem.core;

import java.util.List;

/**
 * A named table-level constraint, as {@code create_constraint} adds it or {@code create_table} lists it
 * under {@code constraints}. Fields that do not apply to {@code type} are null, false or empty:
 * {@code check} for CHECK, {@code references} for FOREIGN_KEY, {@code exclusion} for EXCLUDE;
 * {@code nullsNotDistinct} for UNIQUE; {@code deferrable} and {@code initiallyDeferred} for UNIQUE,
 * PRIMARY_KEY, FOREIGN_KEY and EXCLUDE (a foreign key also carries them in {@code references}); and
 * {@code index} for the constraints PostgreSQL backs with an index (UNIQUE, PRIMARY_KEY, EXCLUDE).
 */
public record TableConstraint(
        String name,
        ConstraintType type,
        List<String> columns,
        String check,
        ForeignKeyRef references,
        boolean deferrable,
        boolean initiallyDeferred,
        boolean nullsNotDistinct,
        Exclusion exclusion,
        IndexParameters index,
        SourceLocation location) {
    public TableConstraint {
        columns = List.copyOf(columns);
        index = index == null ? IndexParameters.NONE : index;
    }

    /** A constraint without options. */
    public TableConstraint(
            String name,
            ConstraintType type,
            List<String> columns,
            String check,
            ForeignKeyRef references,
            SourceLocation location) {
        this(name, type, columns, check, references, false, false, false, null, null, location);
    }

    /**
     * {@code EXCLUDE USING method (elements) WHERE (predicate)}; {@code elements} is written as in SQL,
     * such as {@code room WITH =, during WITH &&}. {@code method} defaults to gist; predicate is null
     * when absent.
     */
    public record Exclusion(String method, String elements, String predicate) {}

    /**
     * The index options of a UNIQUE, PRIMARY_KEY or EXCLUDE constraint: {@code storageParameters} as
     * written inside {@code WITH (...)}, null when absent, and the {@code INCLUDE} columns.
     */
    public record IndexParameters(String storageParameters, List<String> include) {
        public static final IndexParameters NONE = new IndexParameters(null, List.of());

        public IndexParameters {
            include = List.copyOf(include);
        }
    }
}
