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
import dev.tandem.core.Operation.SetReplicaIdentity;
import java.util.ArrayList;
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
            List.of("type", "nullable", "default", "unique", "check", "references", "comment", "name");
    static final List<String> INDEX_COLUMN_FIELDS = List.of("column", "collate", "opclass", "sort", "nulls");
    static final List<String> REPLICA_IDENTITIES = List.of("default", "full", "nothing", "index");
    static final List<String> INDEX_METHODS = List.of("btree", "hash", "gist", "spgist", "gin", "brin");

    private final Problems problems;
    private final ColumnReader columns;
    private final ConstraintReader constraints;

    OperationReader(Problems problems) {
        this.problems = problems;
        this.columns = new ColumnReader(problems);
        this.constraints = new ConstraintReader(problems, columns);
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
                yield new AddColumn(
                        table, column == null ? null : columns.column(column), f.expression("up", false), at);
            }
            case "drop_column" ->
                new DropColumn(
                        f.identifier("table", true), f.identifier("column", true), f.expression("down", false), at);
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
            case "drop_constraint" -> {
                String up = f.expression("up", false);
                String down = f.expression("down", false);
                yield new DropConstraint(
                        f.identifier("table", true),
                        f.identifier("name", true),
                        up == null ? Map.of() : Map.of("", up),
                        down == null ? Map.of() : Map.of("", down),
                        false,
                        at);
            }
            case "drop_multicolumn_constraint" ->
                new DropConstraint(
                        f.identifier("table", true),
                        f.identifier("name", true),
                        f.expressions("up"),
                        f.expressions("down"),
                        true,
                        at);
            case "set_replica_identity" -> setReplicaIdentity(f, at);
            case "rename_constraint" ->
                new RenameConstraint(
                        f.identifier("table", true), f.identifier("from", true), f.identifier("to", true), at);
            case "sql" -> rawSql(f, at);
            case "move_table" -> new MoveTableReader(problems).read(f, at);
            default -> throw new IllegalStateException("no reader for operation " + kind);
        };
    }

    private CreateTable createTable(Fields f, SourceLocation at) {
        String name = f.identifier("name", true);
        ListNode list = f.list("columns", true);
        ListNode tableConstraints = f.list("constraints", false);
        return new CreateTable(
                name,
                list == null ? List.of() : columns.columns(list),
                tableConstraints == null ? List.of() : constraints.list(tableConstraints),
                f.string("comment", false),
                at);
    }

    private SetReplicaIdentity setReplicaIdentity(Fields f, SourceLocation at) {
        String table = f.identifier("table", true);
        MapNode identity = f.map("identity", true);
        if (identity == null) {
            return new SetReplicaIdentity(table, null, null, at);
        }
        Fields i = Fields.of(identity, "identity", List.of("type", "index"), problems);
        String type = i.string("type", true);
        // pgroll writes 'index: ""' for every type but index
        String index = i.node("index") instanceof Scalar s
                        && s.text() != null
                        && s.text().isEmpty()
                ? null
                : i.identifier("index", false);
        if (type != null) {
            String lower = type.toLowerCase(Locale.ROOT);
            if (!REPLICA_IDENTITIES.contains(lower)) {
                i.problem(
                        "type",
                        "replica identity " + Problems.quote(type) + " must be one of "
                                + String.join(", ", REPLICA_IDENTITIES)
                                + Suggestions.didYouMean(lower, REPLICA_IDENTITIES));
                type = null;
            } else if (lower.equals("index") && index == null) {
                i.problem("type", "replica identity 'index' needs 'index', the name of a unique index");
            } else if (!lower.equals("index") && index != null) {
                // pgroll writes an empty index for the other types; a name is a mistake
                i.problem("index", "'index' applies only to replica identity 'index'");
            }
            type = type == null ? null : lower.toUpperCase(Locale.ROOT);
        }
        return new SetReplicaIdentity(table, type, "INDEX".equals(type) ? index : null, at);
    }

    private RawSql rawSql(Fields f, SourceLocation at) {
        String up = f.string("up", true);
        String down = f.string("down", false);
        boolean onComplete = f.bool("on_complete", false);
        boolean irreversible = f.bool("irreversible", false);
        if (irreversible && down != null) {
            f.problem("irreversible", "an sql operation with 'down' is reversible; remove 'irreversible' or 'down'");
        }
        if (onComplete && down != null) {
            // rollback is refused once complete began, so a 'down' of an on_complete operation never runs
            f.problem(
                    "down",
                    "an sql operation with 'on_complete: true' never needs 'down': rollback is refused"
                            + " once complete has begun; remove 'down'");
        }
        return new RawSql(up, down, onComplete, irreversible, at);
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
        // `default: null` drops the default and `comment: null` the comment, as in pgroll; any other change written as
        // null is a
        // mistake, not a way to say "unchanged" (leave the key out) or "remove" (not supported)
        for (String change : ALTER_CHANGES) {
            if (!change.equals("default") && !change.equals("comment") && f.isNull(change)) {
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
        ColumnReader.Unique unique = f.has("unique") ? columns.unique(f) : null;
        ColumnReader.Check check = columns.check(f);
        // 'comment: ""' is a comment, as PostgreSQL's COMMENT IS '' is not: write null to remove it.
        String comment = f.node("comment") instanceof Scalar c && c.kind() != Kind.NULL ? c.text() : null;
        if (f.has("comment") && !f.isNull("comment") && !(f.node("comment") instanceof Scalar)) {
            f.problem("comment", "'comment' in alter_column must be a string, or null to remove the comment");
        }
        return new AlterColumn(
                table,
                column,
                f.string("type", false),
                f.bool("nullable"),
                defaultValue,
                f.isNull("default"),
                unique == null ? null : unique.on(),
                unique == null ? null : unique.name(),
                check.expression(),
                check.name(),
                columns.columnReference(f),
                comment,
                f.isNull("comment"),
                name,
                f.expression("up", false),
                f.expression("down", false),
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
                indexColumns(f),
                f.bool("unique", false),
                method == null ? null : method.toLowerCase(Locale.ROOT),
                f.string("predicate", false),
                f.string("storage_parameters", false),
                at);
    }

    /**
     * The key columns of create_index in any of pgroll's three forms: a list of names, a list of
     * {@code {column, opclass, sort, nulls, collate}}, or a map from name to those options.
     */
    private List<IndexColumn> indexColumns(Fields f) {
        Node node = f.node("columns");
        if (node instanceof MapNode map) {
            if (map.entries().isEmpty()) {
                f.problem("columns", "'columns' in create_index must not be empty");
            }
            List<IndexColumn> out = new ArrayList<>();
            for (Entry e : map.entries().values()) {
                Fields.checkIdentifier(e.key(), e.keyLocation(), problems);
                if (e.value() instanceof Scalar s && s.kind() == Kind.NULL) {
                    out.add(IndexColumn.of(e.key()));
                } else {
                    MapNode options = Fields.asMap(e.value(), "the options of index column " + e.key(), problems);
                    if (options != null) {
                        out.add(indexColumn(
                                e.key(), Fields.of(options, "index column " + e.key(), INDEX_COLUMN_FIELDS, problems)));
                    }
                }
            }
            return out;
        }
        ListNode list = f.list("columns", true);
        if (list == null) {
            return List.of();
        }
        List<IndexColumn> out = new ArrayList<>();
        for (Node item : list.items()) {
            if (item instanceof MapNode map) {
                Fields c = Fields.of(map, "an index column", INDEX_COLUMN_FIELDS, problems);
                String name = c.identifier("column", true);
                if (name != null) {
                    out.add(indexColumn(name, c));
                }
            } else if (item instanceof Scalar s
                    && s.kind() != Kind.NULL
                    && !s.text().isBlank()) {
                Fields.checkIdentifier(s.text(), s.location(), problems);
                out.add(IndexColumn.of(s.text()));
            } else {
                problems.add(
                        item.location(),
                        "each item of 'columns' in create_index must be a name or"
                                + " {column, opclass, sort, nulls, collate}");
            }
        }
        List<String> names = out.stream().map(IndexColumn::column).toList();
        java.util.Set<String> reported = new java.util.HashSet<>();
        for (int i = 0; i < names.size(); i++) {
            if (names.indexOf(names.get(i)) != i && list.items().size() > i && reported.add(names.get(i))) {
                problems.add(
                        list.items().get(i).location(),
                        Problems.quote(names.get(i)) + " is named twice in 'columns' of create_index");
            }
        }
        return out;
    }

    private IndexColumn indexColumn(String column, Fields f) {
        String sort = upper(f, "sort", List.of("ASC", "DESC"));
        String nulls = upper(f, "nulls", List.of("FIRST", "LAST"));
        String opclass = null;
        List<String> params = List.of();
        if (f.node("opclass") instanceof MapNode map) {
            Fields o = Fields.of(map, "opclass", List.of("name", "params"), problems);
            opclass = o.identifier("name", true);
            params = o.strings("params", false, false);
        } else {
            opclass = f.identifier("opclass", false);
        }
        return new IndexColumn(column, f.string("collate", false), opclass, params, sort, nulls);
    }

    private static String upper(Fields f, String key, List<String> allowed) {
        String value = f.string(key, false);
        if (value == null) {
            return null;
        }
        String normalized = value.strip().toUpperCase(Locale.ROOT);
        if (!allowed.contains(normalized)) {
            f.problem(key, "'" + key + "' is " + String.join(" or ", allowed) + ", not " + Problems.quote(value));
            return null;
        }
        return normalized;
    }

    private CreateConstraint createConstraint(Fields f, SourceLocation at) {
        String table = f.identifier("table", true);
        TableConstraint constraint = constraints.read(f, at);
        Map<String, String> up = f.expressions("up");
        Map<String, String> down = f.expressions("down");
        List<String> cols = constraint == null ? List.of() : constraint.columns();
        ConstraintRules.checkExpressionColumns(f, "up", up, cols, problems);
        ConstraintRules.checkExpressionColumns(f, "down", down, cols, problems);
        return constraint == null ? null : new CreateConstraint(table, constraint, up, down, at);
    }

    private void sameName(Fields f, String from, String to, String what) {
        if (from != null && Objects.equals(from, to)) {
            f.problem(f.has("to") ? "to" : "name", "renames " + what + " to the same name");
        }
    }

    private static Map<String, List<String>> fields() {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        fields.put("create_table", List.of("name", "columns", "constraints", "comment"));
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
                        "comment",
                        "name",
                        "up",
                        "down"));
        fields.put(
                "create_index",
                List.of("table", "name", "columns", "unique", "method", "predicate", "storage_parameters"));
        fields.put("drop_index", List.of("name"));
        List<String> createConstraint = new ArrayList<>(List.of("table"));
        createConstraint.addAll(ConstraintReader.FIELDS);
        createConstraint.addAll(List.of("up", "down"));
        fields.put("create_constraint", List.copyOf(createConstraint));
        fields.put("drop_constraint", List.of("table", "name", "up", "down"));
        fields.put("drop_multicolumn_constraint", List.of("table", "name", "up", "down"));
        fields.put("rename_constraint", List.of("table", "from", "to"));
        fields.put("set_replica_identity", List.of("table", "identity"));
        fields.put("sql", List.of("up", "down", "on_complete", "irreversible"));
        fields.put("move_table", MoveTableReader.FIELDS);
        return Collections.unmodifiableMap(fields);
    }
}
