package dev.tandem.verify;

import java.util.Map;
import javax.sql.DataSource;

/**
 * One side of a comparison: a table in a store, and for each compared column the SQL that gives its
 * value from the table's row ({@code expressions}, by bare column names). {@code projected} says the
 * expressions are a mapping (a move's {@code columns}, a migration's {@code up}) whose results are
 * cast to the other side's column types; otherwise they are that side's own columns.
 *
 * <p>{@code keyText} gives, per key column, the SQL whose text names the key in a row value: by default
 * its value; for a move, the form the capture trigger keys changes by (the source's own expression,
 * and the target's column cast to that expression's type), so that a key found here is the key in the
 * relay's tables. {@code castRange} says the side's key type differs from the other's, so ranges
 * compare the cast value (no index serves them, so such a pair is one range).
 */
record Side(
        String label,
        String store,
        DataSource dataSource,
        String table,
        Map<String, String> expressions,
        boolean projected,
        Map<String, String> keyText,
        boolean castRange) {
    Side {
        expressions = Map.copyOf(expressions);
        keyText = Map.copyOf(keyText);
    }

    Side(
            String label,
            String store,
            DataSource dataSource,
            String table,
            Map<String, String> expressions,
            boolean projected) {
        this(label, store, dataSource, table, expressions, projected, Map.of(), false);
    }

    /** The SQL of a key column's part of the key text. */
    String keyTextPart(Column c) {
        return keyText.getOrDefault(c.name(), value(c));
    }

    /** The column's value on this side, of the column's type. */
    String value(Column c) {
        String e = expressions.get(c.name());
        if (!projected) {
            return e;
        }
        // A type compared as text may not exist on this side at all (the other store's enum): only its
        // text is needed.
        return c.asText() ? "(" + e + ")::text" : c.cast(e);
    }

    /**
     * The key column as the range predicates and the order use it: the side's own expression, uncast,
     * so that an index on a plain key column serves the range (PostgreSQL compares across integer widths
     * and text types within one operator family).
     */
    String rangeKey(Column c) {
        return castRange ? c.cast(expressions.get(c.name())) : "(" + expressions.get(c.name()) + ")";
    }
}
