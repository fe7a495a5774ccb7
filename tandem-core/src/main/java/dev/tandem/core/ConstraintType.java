package dev.tandem.core;

/** The kinds of constraint {@code create_constraint} can add. */
public enum ConstraintType {
    CHECK,
    UNIQUE,
    FOREIGN_KEY
}
