package dev.tandem.core;

import dev.tandem.core.Node.ListNode;
import java.util.List;
import java.util.Map;

/** What each type of {@code create_constraint} needs, checked where the file says it. */
final class ConstraintRules {
    private ConstraintRules() {}

    static void check(
            ConstraintType type,
            Fields f,
            List<String> columns,
            String check,
            ForeignKeyRef references,
            Problems problems) {
        switch (type) {
            case CHECK -> {
                // a value of the wrong type was reported already; a null was not
                if (check == null && (!f.has("check") || f.isNull("check"))) {
                    problems.add(f.location(), "a check constraint needs 'check' (an SQL expression)");
                }
                refuse(f, "references", "foreign_key", problems);
            }
            case UNIQUE, PRIMARY_KEY -> {
                requireColumns(f, "a " + type.fileName() + " constraint", columns, problems);
                refuse(f, "check", "check", problems);
                refuse(f, "references", "foreign_key", problems);
            }
            case FOREIGN_KEY -> {
                requireColumns(f, "a foreign_key constraint", columns, problems);
                if (!f.has("references") || f.isNull("references")) {
                    problems.add(f.location(), "a foreign_key constraint needs 'references' ({table, columns})");
                } else if (references != null
                        && !columns.isEmpty()
                        && !references.columns().isEmpty()
                        && references.columns().size() != columns.size()) {
                    problems.add(
                            f.at("references"),
                            "references names " + references.columns().size() + " column(s) but 'columns' names "
                                    + columns.size() + "; they must pair up one to one");
                }
                refuse(f, "check", "check", problems);
            }
            case EXCLUDE -> {
                if (!f.has("exclude") || f.isNull("exclude")) {
                    problems.add(
                            f.location(),
                            "an exclude constraint needs 'exclude' ({index_method, elements, predicate})");
                }
                if (!columns.isEmpty()) {
                    problems.add(
                            f.at("columns"),
                            "an exclude constraint names its columns in 'exclude.elements', not in 'columns'");
                }
                refuse(f, "check", "check", problems);
                refuse(f, "references", "foreign_key", problems);
            }
        }
        if (type != ConstraintType.EXCLUDE) {
            refuse(f, "exclude", "exclude", problems);
        }
        if (type != ConstraintType.UNIQUE) {
            refuseTrue(f, "nulls_not_distinct", "unique", problems);
        }
        if (type == ConstraintType.CHECK || type == ConstraintType.FOREIGN_KEY) {
            refuse(f, "index_parameters", "unique, primary_key and exclude", problems);
        }
        if (type == ConstraintType.CHECK) {
            refuseTrue(f, "deferrable", "unique, primary_key, foreign_key and exclude", problems);
            refuseTrue(f, "initially_deferred", "unique, primary_key, foreign_key and exclude", problems);
        }
    }

    /** {@code up} and {@code down} may only compute the constraint's own columns. */
    static void checkExpressionColumns(
            Fields f, String key, Map<String, String> expressions, List<String> columns, Problems problems) {
        if (columns.isEmpty()) {
            return;
        }
        for (String column : expressions.keySet()) {
            if (!columns.contains(column)) {
                problems.add(
                        f.at(key),
                        "'" + key + "' computes column " + Problems.quote(column)
                                + ", which is not in the constraint's columns "
                                + Problems.quoteAll(columns)
                                + Suggestions.didYouMean(column, columns));
            }
        }
    }

    private static void requireColumns(Fields f, String what, List<String> columns, Problems problems) {
        // an absent, null or empty list; a value of the wrong type was reported already
        if (columns.isEmpty() && (!f.has("columns") || f.isNull("columns") || f.node("columns") instanceof ListNode)) {
            problems.add(f.at("columns"), what + " needs a non-empty 'columns' list");
        }
    }

    /** A flag that is only wrong when set: pgroll writes {@code false} for every option of every type. */
    private static void refuseTrue(Fields f, String key, String onlyFor, Problems problems) {
        if (f.node(key) instanceof Node.Scalar s && "true".equalsIgnoreCase(s.text())) {
            problems.add(f.at(key), "'" + key + "' applies only to " + onlyFor + " constraints");
        }
    }

    private static void refuse(Fields f, String key, String onlyFor, Problems problems) {
        if (f.has(key)) {
            problems.add(f.at(key), "'" + key + "' applies only to " + onlyFor + " constraints");
        }
    }
}
