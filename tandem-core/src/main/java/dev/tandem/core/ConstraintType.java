package dev.tandem.core;

/** The kinds of table constraint a file can add, in {@code create_constraint} and {@code create_table}. */
public enum ConstraintType {
    CHECK,
    UNIQUE,
    FOREIGN_KEY,
    PRIMARY_KEY,
    EXCLUDE;

    /** The type as the file writes it, such as {@code foreign_key}. */
    public String fileName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
