package dev.tandem.relay;

import java.util.Optional;

/**
 * Whether an expression over a row of one store's table fits a column of the other store, found by
 * planning, never running, it: {@code EXPLAIN SELECT (expression)::type FROM table}. A column type
 * of the other store's own (an enum, a domain) may not exist where the expression is planned; then
 * the expression's own type is planned there, and the cast from it (or from text, for a type of its
 * own store) in the column's store.
 */
final class ExpressionFit {
    private ExpressionFit() {}

    /** Why {@code expression}, over {@code over} in {@code on}, does not fit {@code column} of {@code other}; empty when it fits. */
    static Optional<String> check(
            ReadOnlySession on, ReadOnlySession other, StoreTable over, String expression, StoreTable.Column column) {
        String from = " FROM " + StoreTable.id(over.schema()) + "." + StoreTable.id(over.name());
        if (column.builtin()) {
            return on.attempt("EXPLAIN SELECT (" + expression + ")::" + column.type() + from);
        }
        ReadOnlySession.Result<String> type = on.resultType("SELECT (" + expression + ")" + from + " LIMIT 0");
        if (type.error() != null) {
            return Optional.of(type.error());
        }
        // The name comes from the store's catalog, and to_regtype read it as a type name there.
        String castFrom = other.typeExists(type.value()) ? type.value() : "text";
        return other.attempt("EXPLAIN SELECT NULL::" + castFrom + "::" + column.type());
    }
}
