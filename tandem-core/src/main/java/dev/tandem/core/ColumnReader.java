package dev.tandem.core;

import dev.tandem.core.Node.Entry;
import dev.tandem.core.Node.ListNode;
import dev.tandem.core.Node.MapNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads column objects and foreign-key references, the parts several operations share. */
final class ColumnReader {
    static final List<String> COLUMN_FIELDS = List.of(
            "name",
            "type",
            "nullable",
            "default",
            "unique",
            "check",
            "references",
            "primary_key",
            "generated",
            "comment");
    static final List<String> GENERATED_FIELDS = List.of("identity", "expression");
    static final List<String> IDENTITY_FIELDS = List.of("user_specified_values", "sequence_options");
    static final List<String> KEY_ACTION_FIELDS = List.of("on_delete", "on_update", "deferrable", "initially_deferred");
    static final List<String> COLUMN_REFERENCE_FIELDS = fields("name", "table", "column");
    static final List<String> CONSTRAINT_REFERENCE_FIELDS = fields("table", "columns");

    /** {@code unique: true}, or pgroll's {@code unique: {name}}: on, and named. */
    record Unique(boolean on, String name) {
        static final Unique OFF = new Unique(false, null);
    }

    /** {@code check: "expr"}, or pgroll's {@code check: {name, constraint}}. */
    record Check(String expression, String name) {
        static final Check NONE = new Check(null, null);
    }

    private static List<String> fields(String... own) {
        List<String> all = new ArrayList<>(List.of(own));
        all.addAll(KEY_ACTION_FIELDS);
        return List.copyOf(all);
    }

    private final Problems problems;

    ColumnReader(Problems problems) {
        this.problems = problems;
    }

    /** A column object; null when {@code node} is not a map. */
    ColumnSpec column(Node node) {
        MapNode map = Fields.asMap(node, "a column", problems);
        if (map == null) {
            return null;
        }
        Fields f = Fields.of(map, "column", COLUMN_FIELDS, problems);
        boolean primaryKey = f.bool("primary_key", false);
        Boolean nullable = f.bool("nullable");
        if (primaryKey && Boolean.TRUE.equals(nullable)) {
            f.problem("nullable", "a primary_key column cannot be nullable; remove 'nullable: true'");
        }
        Generated generated = generated(f);
        Unique unique = unique(f);
        Check check = check(f);
        if (generated != null && f.has("default") && !f.isNull("default")) {
            f.problem("default", "a generated column has no default; remove 'default' or 'generated'");
        }
        if (generated instanceof Generated.Identity && Boolean.TRUE.equals(nullable)) {
            f.problem("nullable", "an identity column cannot be nullable; remove 'nullable: true'");
        }
        return new ColumnSpec(
                f.identifier("name", true),
                f.string("type", true),
                generated instanceof Generated.Identity ? false : nullable != null ? nullable : !primaryKey,
                f.string("default", false),
                unique.on(),
                check.expression(),
                columnReference(f),
                primaryKey,
                generated,
                f.string("comment", false),
                unique.name(),
                check.name(),
                map.location());
    }

    /** {@code generated: {identity: {...}}} or {@code generated: {expression: ...}}; null when absent. */
    private Generated generated(Fields owner) {
        MapNode map = owner.map("generated", false);
        if (map == null) {
            return null;
        }
        Fields f = Fields.of(map, "generated", GENERATED_FIELDS, problems);
        if (f.has("identity") == f.has("expression")) {
            problems.add(map.location(), "'generated' takes exactly one of 'identity' and 'expression'");
            return null;
        }
        if (f.has("expression")) {
            String expression = f.string("expression", true);
            return expression == null ? null : new Generated.Expression(expression);
        }
        MapNode identity = f.map("identity", true);
        if (identity == null) {
            return null;
        }
        Fields i = Fields.of(identity, "identity", IDENTITY_FIELDS, problems);
        String values = i.string("user_specified_values", false);
        boolean always = true;
        if (values != null) {
            String normalized =
                    values.strip().toUpperCase(java.util.Locale.ROOT).replaceAll("\\s+", " ");
            if (normalized.equals("BY DEFAULT")) {
                always = false;
            } else if (!normalized.equals("ALWAYS")) {
                i.problem(
                        "user_specified_values",
                        "'user_specified_values' is ALWAYS or BY DEFAULT, not " + Problems.quote(values));
                return null;
            }
        }
        return new Generated.Identity(always, i.string("sequence_options", false));
    }

    /** The columns of create_table; a name given twice is a problem at its second place. */
    List<ColumnSpec> columns(ListNode list) {
        List<ColumnSpec> columns = new ArrayList<>();
        Map<String, SourceLocation> seen = new HashMap<>();
        for (Node item : list.items()) {
            ColumnSpec column = column(item);
            if (column == null) {
                continue;
            }
            columns.add(column);
            if (column.name() != null) {
                SourceLocation first = seen.putIfAbsent(column.name(), nameLocation(item));
                if (first != null) {
                    problems.add(
                            nameLocation(item),
                            "column " + Problems.quote(column.name()) + " appears twice in create_table (first at "
                                    + first + ")");
                }
            }
        }
        return columns;
    }

    /** {@code unique: true|false} or {@code unique: {name}}; OFF when absent. */
    Unique unique(Fields owner) {
        if (owner.node("unique") instanceof MapNode map) {
            Fields f = Fields.of(map, "unique", List.of("name"), problems);
            return new Unique(true, f.identifier("name", true));
        }
        Boolean on = owner.bool("unique");
        return on == null ? Unique.OFF : new Unique(on, null);
    }

    /** {@code check: "expression"} or {@code check: {name, constraint}}; NONE when absent. */
    Check check(Fields owner) {
        if (owner.node("check") instanceof MapNode map) {
            Fields f = Fields.of(map, "check", List.of("name", "constraint"), problems);
            return new Check(f.string("constraint", true), f.identifier("name", true));
        }
        return new Check(owner.string("check", false), null);
    }

    /** {@code references: {name, table, column}} of a column object or alter_column; null when absent. */
    ForeignKeyRef columnReference(Fields owner) {
        MapNode map = owner.map("references", false);
        if (map == null) {
            return null;
        }
        Fields f = Fields.of(map, "references", COLUMN_REFERENCE_FIELDS, problems);
        String name = f.identifier("name", false);
        String table = f.identifier("table", true);
        String column = f.identifier("column", true);
        return withActions(f, table, column == null ? List.of() : List.of(column), name);
    }

    /** The key with its actions and deferrability, each checked where it is written. */
    private ForeignKeyRef withActions(Fields f, String table, List<String> columns, String name) {
        boolean deferrable = f.bool("deferrable", false);
        boolean initiallyDeferred = f.bool("initially_deferred", false);
        if (initiallyDeferred && !deferrable) {
            f.problem("initially_deferred", "'initially_deferred: true' needs 'deferrable: true'");
        }
        return new ForeignKeyRef(
                table, columns, action(f, "on_delete"), action(f, "on_update"), deferrable, initiallyDeferred, name);
    }

    private static String action(Fields f, String key) {
        String value = f.string(key, false);
        if (value == null) {
            return null;
        }
        String normalized = value.strip().toUpperCase(java.util.Locale.ROOT).replaceAll("[\\s_]+", " ");
        if (!ForeignKeyRef.ACTIONS.contains(normalized)) {
            f.problem(
                    key,
                    "'" + key + "' is one of " + String.join(", ", ForeignKeyRef.ACTIONS) + ", not "
                            + Problems.quote(value));
            return null;
        }
        return normalized;
    }

    /** {@code references: {table, columns}} of create_constraint; null when absent. */
    ForeignKeyRef constraintReference(Fields owner) {
        MapNode map = owner.map("references", false);
        if (map == null) {
            return null;
        }
        Fields f = Fields.of(map, "references", CONSTRAINT_REFERENCE_FIELDS, problems);
        return withActions(f, f.identifier("table", true), f.strings("columns", true, true), null);
    }

    private static SourceLocation nameLocation(Node item) {
        if (item instanceof MapNode map) {
            Entry name = map.entries().get("name");
            return name != null ? name.value().location() : map.location();
        }
        return item.location();
    }
}
