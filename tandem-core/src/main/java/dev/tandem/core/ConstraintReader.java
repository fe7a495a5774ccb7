package dev.tandem.core;

import dev.tandem.core.Node.ListNode;
import dev.tandem.core.Node.MapNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Reads a table constraint, the body {@code create_constraint} and {@code create_table.constraints} share. */
final class ConstraintReader {
    /** The fields of one constraint, in pgroll's order. */
    static final List<String> FIELDS = List.of(
            "name",
            "type",
            "columns",
            "check",
            "references",
            "deferrable",
            "initially_deferred",
            "nulls_not_distinct",
            "exclude",
            "index_parameters");

    static final List<String> EXCLUDE_FIELDS = List.of("index_method", "elements", "predicate");
    static final List<String> INDEX_PARAMETER_FIELDS = List.of("storage_parameters", "include_columns");

    private final Problems problems;
    private final ColumnReader columns;

    ConstraintReader(Problems problems, ColumnReader columns) {
        this.problems = problems;
        this.columns = columns;
    }

    /** The constraints of create_table; a name given twice is a problem at its second place. */
    List<TableConstraint> list(ListNode list) {
        List<TableConstraint> out = new ArrayList<>();
        Map<String, SourceLocation> seen = new HashMap<>();
        for (Node item : list.items()) {
            MapNode map = Fields.asMap(item, "a constraint", problems);
            if (map == null) {
                continue;
            }
            TableConstraint constraint = read(Fields.of(map, "constraint", FIELDS, problems), map.location());
            if (constraint == null) {
                continue;
            }
            out.add(constraint);
            if (constraint.name() != null) {
                SourceLocation first = seen.putIfAbsent(constraint.name(), map.location());
                if (first != null) {
                    problems.add(
                            map.location(),
                            "constraint " + Problems.quote(constraint.name())
                                    + " appears twice in create_table (first at " + first + ")");
                }
            }
        }
        return out;
    }

    /** One constraint from its fields; null when its type is missing or unknown. */
    TableConstraint read(Fields f, SourceLocation at) {
        String name = f.identifier("name", true);
        ConstraintType type = type(f);
        List<String> cols = f.strings("columns", false, true);
        String check = f.string("check", false);
        ForeignKeyRef references = columns.constraintReference(f);
        // pgroll writes deferrability on the constraint; a foreign key may also carry it in 'references'.
        boolean deferrable = f.bool("deferrable", false) || (references != null && references.deferrable());
        boolean initiallyDeferred =
                f.bool("initially_deferred", false) || (references != null && references.initiallyDeferred());
        if (initiallyDeferred && !deferrable) {
            f.problem("initially_deferred", "'initially_deferred: true' needs 'deferrable: true'");
        }
        if (references != null) {
            references = references.deferred(deferrable, initiallyDeferred);
        }
        boolean nullsNotDistinct = f.bool("nulls_not_distinct", false);
        TableConstraint.Exclusion exclusion = exclusion(f);
        TableConstraint.IndexParameters index = indexParameters(f);
        if (type == null) {
            return null;
        }
        ConstraintRules.check(type, f, cols, check, references, problems);
        return new TableConstraint(
                name,
                type,
                cols,
                check,
                references,
                deferrable,
                initiallyDeferred,
                nullsNotDistinct,
                exclusion,
                index,
                at);
    }

    private static ConstraintType type(Fields f) {
        String text = f.string("type", true);
        if (text == null) {
            return null;
        }
        List<String> known = java.util.Arrays.stream(ConstraintType.values())
                .map(ConstraintType::fileName)
                .toList();
        if (!known.contains(text)) {
            f.problem(
                    "type",
                    "constraint type " + Problems.quote(text) + " must be one of " + String.join(", ", known)
                            + Suggestions.didYouMean(text, known));
            return null;
        }
        return ConstraintType.valueOf(text.toUpperCase(Locale.ROOT));
    }

    private TableConstraint.Exclusion exclusion(Fields owner) {
        MapNode map = owner.map("exclude", false);
        if (map == null) {
            return null;
        }
        Fields f = Fields.of(map, "exclude", EXCLUDE_FIELDS, problems);
        String method = f.string("index_method", false);
        if (method != null && !OperationReader.INDEX_METHODS.contains(method.toLowerCase(Locale.ROOT))) {
            f.problem(
                    "index_method",
                    "unknown index method " + Problems.quote(method) + "; use one of "
                            + String.join(", ", OperationReader.INDEX_METHODS));
            method = null;
        }
        String elements = f.string("elements", true);
        return elements == null
                ? null
                : new TableConstraint.Exclusion(
                        method == null ? "gist" : method.toLowerCase(Locale.ROOT),
                        elements,
                        f.string("predicate", false));
    }

    private TableConstraint.IndexParameters indexParameters(Fields owner) {
        MapNode map = owner.map("index_parameters", false);
        if (map == null) {
            return null;
        }
        Fields f = Fields.of(map, "index_parameters", INDEX_PARAMETER_FIELDS, problems);
        return new TableConstraint.IndexParameters(
                f.string("storage_parameters", false), f.strings("include_columns", false, true));
    }
}
