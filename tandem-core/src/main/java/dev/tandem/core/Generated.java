package dev.tandem.core;

/**
 * How a column's value is generated, in pgroll's form: {@code generated: {identity:
 * {user_specified_values: ALWAYS | BY DEFAULT, sequence_options: "..."}}} or {@code generated:
 * {expression: "..."}} (a stored generated column).
 */
public sealed interface Generated {
    /**
     * An identity column. {@code always}: the table refuses values the writer gives (GENERATED
     * ALWAYS), else it takes them (BY DEFAULT). {@code sequenceOptions} is null or PostgreSQL's
     * sequence options text, such as {@code START WITH 1000}.
     */
    record Identity(boolean always, String sequenceOptions) implements Generated {}

    /** A stored generated column, computed from the other columns of its row. */
    record Expression(String expression) implements Generated {}
}
