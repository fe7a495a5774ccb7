package dev.tandem.core;

import dev.tandem.core.Node.ListNode;
import dev.tandem.core.Node.MapNode;
import dev.tandem.core.Node.Scalar;
import dev.tandem.core.Operation.MoveTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads {@code move_table} and checks what the file alone can say: the fields are there and well
 * formed, the store is a store name, the key is mapped by name, so the target's key is known, and no
 * expression could end the statement tandem embeds it in. What only the two databases can say (the
 * tables, their columns and types, the key's uniqueness) is checked by the relay's MoveTableCheck.
 */
final class MoveTableReader {
    static final List<String> FIELDS = List.of("table", "key", "to", "columns", "reverse");
    static final List<String> TO_FIELDS = List.of("store", "table");

    /** A store's name, as {@code --store NAME=URL} and {@code TANDEM_STORE_<NAME>_URL} spell it. */
    static final Pattern STORE = Pattern.compile("[a-z][a-z0-9_]*");

    private final Problems problems;

    MoveTableReader(Problems problems) {
        this.problems = problems;
    }

    MoveTable read(Fields f, SourceLocation at) {
        String table = f.identifier("table", true);
        List<String> key = f.strings("key", true, true);
        String store = null;
        String toTable = null;
        var to = f.map("to", true);
        if (to != null) {
            Fields t = Fields.of(to, "'to' of move_table", TO_FIELDS, problems);
            store = store(t);
            toTable = t.identifier("table", true);
        }
        Map<String, String> columns = f.expressions("columns");
        if (!f.has("columns") || f.isNull("columns")) {
            problems.add(f.at("columns"), "missing required field 'columns' in move_table");
        } else if (f.node("columns") instanceof MapNode map && map.entries().isEmpty()) {
            f.problem("columns", "'columns' in move_table must not be empty: map each target column to an expression");
        }
        Map<String, String> reverse = f.expressions("reverse");
        checkFragments(f, "columns", columns);
        checkFragments(f, "reverse", reverse);
        MoveTable move = new MoveTable(table, key, store, toTable, columns, reverse, at);
        checkKey(f, move);
        return move;
    }

    private String store(Fields t) {
        String store = t.string("store", true);
        if (store != null && !STORE.matcher(store).matches()) {
            t.problem(
                    "store",
                    "store " + Problems.quote(store) + " must match [a-z][a-z0-9_]* (it names --store NAME=URL"
                            + " and TANDEM_STORE_<NAME>_URL)");
            return null;
        }
        return store;
    }

    /**
     * Each key column must be copied to exactly one target column, as is or renamed: the target's key
     * is then known, and the relay finds a row on either side by it. Nor may {@code reverse} compute a
     * key column: the key travels back by name.
     */
    private void checkKey(Fields f, MoveTable move) {
        if (move.table() == null || move.columns().isEmpty()) {
            return;
        }
        for (String column : move.key()) {
            List<String> targets = new ArrayList<>();
            move.columns().keySet().forEach(target -> move.sourceOf(target)
                    .filter(column::equals)
                    .ifPresent(source -> targets.add(target)));
            if (targets.isEmpty()) {
                problems.add(
                        keyAt(f, column),
                        "key column " + Problems.quote(column) + " of " + move.table() + " is not mapped by name in"
                                + " 'columns'; map it as it is ('" + column + ": " + column + "') or renamed ('new_"
                                + column + ": " + column + "'), so the target's key is known");
            } else if (targets.size() > 1) {
                problems.add(
                        keyAt(f, column),
                        "key column " + Problems.quote(column) + " of " + move.table() + " is mapped to "
                                + targets.size() + " target columns (" + String.join(", ", targets)
                                + ") in 'columns'; map it to one, so the target's key is known");
            }
            if (move.reverse().containsKey(column)) {
                problems.add(
                        entryAt(f, "reverse", column),
                        "'reverse' computes key column " + Problems.quote(column) + "; a key column travels back"
                                + " by name from the target column that holds it. Remove it from 'reverse'");
            }
        }
    }

    /** Each expression must be one expression, as tandem embeds it in larger statements. */
    private void checkFragments(Fields f, String field, Map<String, String> expressions) {
        expressions.forEach((column, expression) -> {
            if (SqlExpressions.hasUnclosedQuote(expression)) {
                problems.add(
                        entryAt(f, field, column),
                        "'" + field + "." + column + "' opens a quote or comment it never closes; close it, as"
                                + " tandem embeds the expression in larger statements");
            } else if (SqlExpressions.hasLineComment(expression)) {
                problems.add(
                        entryAt(f, field, column),
                        "'" + field + "." + column + "' holds a -- comment: write /* ... */ instead, as tandem"
                                + " embeds the expression in larger statements");
            } else if (SqlExpressions.hasStatementSeparator(expression)) {
                problems.add(
                        entryAt(f, field, column),
                        "'" + field + "." + column + "' holds a ';': it must be a single SQL expression over one"
                                + " row");
            }
        });
    }

    /** Where the item of {@code key} that names {@code column} is; where {@code key} is otherwise. */
    private static SourceLocation keyAt(Fields f, String column) {
        if (f.node("key") instanceof ListNode list) {
            for (Node item : list.items()) {
                if (item instanceof Scalar s && column.equals(s.text())) {
                    return s.location();
                }
            }
        }
        return f.at("key");
    }

    /** Where the value of {@code column} in the map {@code field} is; where the map is otherwise. */
    private static SourceLocation entryAt(Fields f, String field, String column) {
        if (f.node(field) instanceof MapNode map && map.entries().containsKey(column)) {
            return map.entries().get(column).value().location();
        }
        return f.at(field);
    }
}
