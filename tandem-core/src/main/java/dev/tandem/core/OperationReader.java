package dev.tandem.core;

import dev.tandem.core.Node.Entry;
import dev.tandem.core.Node.Kind;
import dev.tandem.core.Node.ListNode;
import dev.tandem.core.Node.MapNode;
import dev.tandem.core.Node.Scalar;
import dev.tandem.core.Operation.AddColumn;
import dev.tandem.core.Operation.AlterColumn;
import dev.tandem.core.Operation.CreateConstraint;
import dev.tandem.core.Operation.CreateIndex;
import dev.tandem.core.Operation.CreateTable;
import dev.tandem.core.Operation.DropColumn;
import dev.tandem.core.Operation.DropConstraint;
import dev.tandem.core.Operation.DropIndex;
import dev.tandem.core.Operation.DropTable;
import dev.tandem.core.Operation.RawSql;
import dev.tandem.core.Operation.RenameColumn;
import dev.tandem.core.Operation.RenameConstraint;
import dev.tandem.core.Operation.RenameTable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/** Reads one item of {@code operations} into an {@link Operation}, checking what one operation can. */
final class OperationReader {
    /** Each operation's fields, in DESIGN.md's order. */
    static final Map<String, List<String>> FIELDS = fields();

    static final List<String> ALTER_CHANGES =
            List.of("type", "nullable", "default", "unique", "check", "references", "name");
    static final List<String> INDEX_METHODS = List.of("btree", "hash", "gist", "spgist", "gin", "brin");

    private final Problems problems;
    private final ColumnReader columns;

    OperationReader(Problems problems) {
        this.problems = problems;
        this.columns = new ColumnReader(problems);
    }

    /** The operation, or null when the item is too malformed to say which operation it is. */
    Operation read(Node item) {
        if (item instanceof Scalar scalar && scalar.kind() != Kind.NULL && FIELDS.containsKey(scalar.text())) {
            problems.add(
                    item.location(),
                    "operation '" + scalar.text() + "' needs its fields: write '" + scalar.text() + ": { ... }'");
            return null;
        }
        MapNode wrapper = Fields.asMap(item, "an operation", problems);
        if (wrapper == null) {
            return null;
        }
        if (wrapper.entries().size() != 1) {
            problems.add(
                    wrapper.location(),
                    wrapper.entries().isEmpty()
                            ? "an operation must have one key naming it, such as add_column"
                            : "an operation has exactly one key naming it, found "
                                    + wrapper.entries().keySet() + "; indent the fields under the operation's name");
            return null;
        }
        Entry entry = wrapper.entries().values().iterator().next();
        String kind = entry.key();
        if (kind.equals("move_table")) {
            problems.add(entry.keyLocation(), "move_table (across stores) is not supported yet");
            return null;
        }
        if (!FIELDS.containsKey(kind)) {
            problems.add(
                    entry.keyLocation(),
                    "unknown operation " + Problems.quote(kind) + Suggestions.didYouMean(kind, FIELDS.keySet()));
            return null;
        }
        if (entry.value() instanceof Scalar s
                && (s.kind() == Kind.NULL || s.text().isEmpty())) {
            problems.add(entry.keyLocation(), kind + " needs its fields: " + String.join(", ", FIELDS.get(kind)));
            return null;
        }
        MapNode body = Fields.asMap(entry.value(), "the fields of " + kind, problems);
        if (body == null) {
            return null;
        }
        return read(kind, Fields.of(body, kind, FIELDS.get(kind), problems), entry.keyLocation());
    }

    private Operation read(String kind, Fields f, SourceLocation at) {
        return switch (kind) {
            case "create_table" -> createTable(f, at);
            case "drop_table" -> new DropTable(f.identifier("name", true), at);
            case "rename_table" -> {
                String from = f.identifier("from", true);
                String to = f.identifier("to", true);
                sameName(f, from, to, "table " + from);
                yield new RenameTable(from, to, at);
            }
            case "add_column" -> {
                String table = f.identifier("table", true);
                MapNode column = f.map("column", true);
                yield new AddColumn(table, column == null ? null : columns.column(column), f.string("up", false), at);
            }
            case "drop_column" ->
                new DropColumn(f.identifier("table", true), f.identifier("column", true), f.string("down", false), at);
            case "rename_column" -> {
                String table = f.identifier("table", true);
                String from = f.identifier("from", true);
                String to = f.identifier("to", true);
                sameName(f, from, to, "column " + table + "." + from);
                yield new RenameColumn(table, from, to, at);
            }
            case "alter_column" -> alterColumn(f, at);
            case "create_index" -> createIndex(f, at);
            case "drop_index" -> new DropIndex(f.identifier("name", true), at);
            case "create_constraint" -> createConstraint(f, at);
            case "drop_constraint" -> new DropConstraint(f.identifier("table", true), f.identifier("name", true), at);
            case "rename_constraint" ->
                new RenameConstraint(
                        f.identifier("table", true), f.identifier("from", true), f.identifier("to", true), at);
            case "sql" -> new RawSql(f.string("up", true), f.string("down", false), at);
            default -> throw new IllegalStateException("no reader for operation " + kind);
        };
    }

    private CreateTable createTable(Fields f, SourceLocation at) {
        String name = f.identifier("name", true);
        ListNode list = f.list("columns", true);
        return new CreateTable(name, list == null ? List.of() : columns.columns(list), f.string("comment", false), at);
    }

    private AlterColumn alterColumn(Fields f, SourceLocation at) {
        String table = f.identifier("table", true);
        String column = f.identifier("column", true);
        if (ALTER_CHANGES.stream().noneMatch(f::has)) {
            problems.add(
                    at,
                    "alter_column changes nothing in " + table + "." + column + "; give at least one of "
                            + String.join(", ", ALTER_CHANGES));
        }
        // `default: null` drops the default, as in pgroll; any other change written as null is a
        // mistake, not a way to say "unchanged" (leave the key out) or "remove" (not supported)
        for (String change : ALTER_CHANGES) {
            if (!change.equals("default") && f.isNull(change)) {
                f.problem(
                        change,
                        "'" + change + "' in alter_column is null; give a value, or remove '" + change
                                + "' to leave it as it is");
            }
        }
        String defaultValue = null;
        if (f.node("default") instanceof Scalar s
                && s.kind() == Kind.STRING
                && s.text().isBlank()) {
            f.problem(
                    "default",
                    "'default' in alter_column is empty; give an expression, or write 'default: null'"
                            + " to drop the default");
        } else {
            defaultValue = f.string("default", false);
        }
        String name = f.identifier("name", false);
        sameName(f, column, name, "column " + table + "." + column);
        return new AlterColumn(
                table,
                column,
                f.string("type", false),
                f.bool("nullable"),
                defaultValue,
                f.isNull("default"),
                f.bool("unique"),
                f.string("check", false),
                columns.columnReference(f),
                name,
                f.string("up", false),
                f.string("down", false),
                at);
    }

    private CreateIndex createIndex(Fields f, SourceLocation at) {
        String method = f.string("method", false);
        if (method != null && !INDEX_METHODS.contains(method.toLowerCase(Locale.ROOT))) {
            f.problem(
                    "method",
                    "unknown index method " + Problems.quote(method) + "; use one of "
                            + String.join(", ", INDEX_METHODS) + Suggestions.didYouMean(method, INDEX_METHODS));
        }
        return new CreateIndex(
                f.identifier("table", true),
                f.identifier("name", true),
                f.strings("columns", true, true),
                f.bool("unique", false),
                method,
                f.string("predicate", false),
                at);
    }

    private CreateConstraint createConstraint(Fields f, SourceLocation at) {
        String table = f.identifier("table", true);
        String name = f.identifier("name", true);
        ConstraintType type = constraintType(f);
        List<String> cols = f.strings("columns", false, true);
        String check = f.string("check", false);
        ForeignKeyRef references = columns.constraintReference(f);
        // pgroll writes deferrability on the constraint itself; tandem also takes it in 'references'.
        Boolean deferrable = f.bool("deferrable");
        Boolean initiallyDeferred = f.bool("initially_deferred");
        if (deferrable != null || initiallyDeferred != null) {
            if (type != ConstraintType.FOREIGN_KEY || references == null) {
                f.problem(
                        deferrable != null ? "deferrable" : "initially_deferred",
                        "'deferrable' and 'initially_deferred' belong to a foreign_key constraint");
            } else {
                boolean d = references.deferrable() || Boolean.TRUE.equals(deferrable);
                boolean i = references.initiallyDeferred() || Boolean.TRUE.equals(initiallyDeferred);
                if (i && !d) {
                    f.problem("initially_deferred", "'initially_deferred: true' needs 'deferrable: true'");
                }
                references = new ForeignKeyRef(
                        references.table(), references.columns(), references.onDelete(), references.onUpdate(), d, i);
            }
        }
        if (type != null) {
            ConstraintRules.check(type, f, cols, check, references, problems);
        }
        Map<String, String> up = f.expressions("up");
        Map<String, String> down = f.expressions("down");
        ConstraintRules.checkExpressionColumns(f, "up", up, cols, problems);
        ConstraintRules.checkExpressionColumns(f, "down", down, cols, problems);
        return new CreateConstraint(table, name, type, cols, check, references, up, down, at);
    }

    private static ConstraintType constraintType(Fields f) {
        String text = f.string("type", true);
        if (text == null) {
            return null;
        }
        List<String> known = List.of("check", "unique", "foreign_key");
        if (!known.contains(text)) {
            f.problem(
                    "type",
                    "constraint type " + Problems.quote(text) + " must be one of " + String.join(", ", known)
                            + Suggestions.didYouMean(text, known));
            return null;
        }
        return ConstraintType.valueOf(text.toUpperCase(Locale.ROOT));
    }

    private void sameName(Fields f, String from, String to, String what) {
        if (from != null && Objects.equals(from, to)) {
            f.problem(f.has("to") ? "to" : "name", "renames " + what + " to the same name");
        }
    }

    private static Map<String, List<String>> fields() {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        fields.put("create_table", List.of("name", "columns", "comment"));
        fields.put("drop_table", List.of("name"));
        fields.put("rename_table", List.of("from", "to"));
        fields.put("add_column", List.of("table", "column", "up"));
        fields.put("drop_column", List.of("table", "column", "down"));
        fields.put("rename_column", List.of("table", "from", "to"));
        fields.put(
                "alter_column",
                List.of(
                        "table",
                        "column",
                        "type",
                        "nullable",
                        "default",
                        "unique",
                        "check",
                        "references",
                        "name",
                        "up",
                        "down"));
        fields.put("create_index", List.of("table", "name", "columns", "unique", "method", "predicate"));
        fields.put("drop_index", List.of("name"));
        fields.put(
                "create_constraint",
                List.of(
                        "table",
                        "name",
                        "type",
                        "columns",
                        "check",
                        "references",
                        "deferrable",
                        "initially_deferred",
                        "up",
                        "down"));
        fields.put("drop_constraint", List.of("table", "name"));
        fields.put("rename_constraint", List.of("table", "from", "to"));
        fields.put("sql", List.of("up", "down"));
        return Collections.unmodifiableMap(fields);
    }
}
