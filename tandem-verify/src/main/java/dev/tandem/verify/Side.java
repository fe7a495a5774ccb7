package dev.tandem.verify;

import java.util.Map;
import javax.sql.DataSource;

/**
 * One side of a comparison: a table in a store, and for each compared column the SQL that gives its
 * value from the table's row ({@code expressions}, by bare column names). {@code projected} says the
 * expressions are a mapping (a move's {@code columns}, a migration's {@code up}) whose results are
 * cast to the other side's column types; otherwise they are that side's own columns.
 */
record Side(
        String label,
        String store,
        DataSource dataSource,
        String table,
        Map<String, String> expressions,
        boolean projected) {
    Side {
        expressions = Map.copyOf(expressions);
    }

    /** The column's value on this side, of the column's type. */
    String value(Column c) {
        String e = expressions.get(c.name());
        return projected ? c.cast(e) : e;
    }

    /**
     * The key column as the range predicates and the order use it: the side's own expression, uncast,
     * so that an index on a plain key column serves the range (PostgreSQL compares across integer widths
     * and text types within one operator family).
     */
    String rangeKey(Column c) {
        return "(" + expressions.get(c.name()) + ")";
    }
}
