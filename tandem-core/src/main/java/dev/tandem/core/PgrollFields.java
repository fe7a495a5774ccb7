package dev.tandem.core;

import static dev.tandem.core.FieldRules.fields;
import static dev.tandem.core.FieldRules.list;
import static dev.tandem.core.FieldRules.map;
import static dev.tandem.core.FieldRules.plain;
import static dev.tandem.core.FieldRules.putAfter;
import static dev.tandem.core.FieldRules.renamed;
import static dev.tandem.core.FieldRules.text;

import dev.tandem.core.ConversionNote.Kind;
import dev.tandem.core.FieldRules.Rules;
import dev.tandem.core.Node.Entry;
import dev.tandem.core.Node.ListNode;
import dev.tandem.core.Node.MapNode;
import dev.tandem.core.Node.Scalar;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * pgroll's fields, operation by operation, and what becomes of each in a tandem file. Most carry
 * over as they are, in the source's order; a few are renamed; the few tandem will not carry are left
 * out with a note that says what to do. A field pgroll does not have is left out with a note too.
 *
 * <p>A value of an unexpected shape (a string where pgroll has a map, say) is carried as it is:
 * tandem's reader then names it in the written file, which is where it gets fixed.
 */
final class PgrollFields {
    /** Every pgroll operation the converter knows; any other makes the file no pgroll migration. */
    static final Set<String> OPERATIONS = Set.of(
            "create_table",
            "add_column",
            "alter_column",
            "rename_column",
            "rename_table",
            "drop_table",
            "drop_column",
            "create_index",
            "drop_index",
            "create_constraint",
            "drop_constraint",
            "drop_multicolumn_constraint",
            "rename_constraint",
            "set_replica_identity",
            "sql");

    private static final Set<String> SERIAL_TYPES =
            Set.of("smallserial", "serial", "bigserial", "serial2", "serial4", "serial8");

    private final List<ConversionNote> notes;
    private final FieldRules rules;
    /** Columns given no 'nullable', which pgroll makes NOT NULL and tandem would not: "table.column". */
    private final List<String> madeNotNull = new ArrayList<>();

    private SourceLocation firstNotNull;

    PgrollFields(List<ConversionNote> notes) {
        this.notes = notes;
        this.rules = new FieldRules(notes);
    }

    /** The body of operation {@code kind}, which must be one of {@link #OPERATIONS}. */
    Map<String, Object> operation(String kind, MapNode body) {
        String table = text(body, "table");
        return switch (kind) {
            case "create_table" -> rules.struct(body, kind, createTable(text(body, "name")));
            case "add_column" ->
                rules.struct(body, kind, fields("table", "up").with("column", map(m -> column(m, table))));
            case "alter_column" ->
                rules.struct(
                        body,
                        kind,
                        fields("table", "column", "name", "type", "nullable", "default", "comment", "up", "down")
                                .with("unique", map(m -> rules.struct(m, "unique", fields("name"))))
                                .with("check", map(this::check))
                                .with("references", map(this::columnReference)));
            case "rename_column" -> rules.struct(body, kind, fields("table", "from", "to"));
            case "rename_table" -> rules.struct(body, kind, fields("from", "to"));
            case "drop_table", "drop_index" -> rules.struct(body, kind, fields("name"));
            case "drop_column" -> rules.struct(body, kind, fields("table", "column", "down"));
            case "create_index" ->
                rules.struct(
                        body,
                        kind,
                        fields("table", "name", "unique", "method", "predicate", "storage_parameters")
                                .with("columns", (e, context, out) -> out.put(e.key(), indexColumns(e.value()))));
            case "create_constraint" ->
                rules.struct(body, kind, constraint().with("table").with("up").with("down"));
            case "drop_constraint", "drop_multicolumn_constraint" ->
                rules.struct(body, kind, fields("table", "name", "up", "down"));
            case "rename_constraint" -> rules.struct(body, kind, fields("table", "from", "to"));
            case "set_replica_identity" ->
                rules.struct(
                        body,
                        kind,
                        fields("table")
                                .with("identity", map(m -> rules.struct(m, "identity", fields("type", "index")))));
            case "sql" -> rules.struct(body, kind, fields("up", "down").with("onComplete", renamed("on_complete")));
            default -> throw new IllegalArgumentException("not a pgroll operation: " + kind);
        };
    }

    /**
     * One note for the columns that had no 'nullable', if any: the one default of pgroll that differs
     * from tandem's, so the converter writes it out.
     */
    void noteNotNullColumns() {
        if (madeNotNull.isEmpty()) {
            return;
        }
        notes.add(new ConversionNote(
                Kind.CHANGED,
                firstNotNull,
                "wrote 'nullable: false' on " + madeNotNull.size() + (madeNotNull.size() == 1 ? " column" : " columns")
                        + " that had no 'nullable' ("
                        + String.join(", ", madeNotNull.subList(0, Math.min(10, madeNotNull.size())))
                        + (madeNotNull.size() > 10 ? ", ..." : "") + "): pgroll makes a column"
                        + " NOT NULL unless it says 'nullable: true', tandem makes it nullable"));
    }

    private Rules createTable(String table) {
        return fields("name", "comment")
                .with("columns", list(m -> column(m, table)))
                .with("constraints", list(m -> rules.struct(m, "constraint", constraint())));
    }

    private Map<String, Object> column(MapNode column, String table) {
        Map<String, Object> out = rules.struct(
                column,
                "column",
                fields("name", "type", "nullable", "default", "unique", "comment")
                        .with("pk", renamed("primary_key"))
                        .with("check", map(this::check))
                        .with("references", map(this::columnReference))
                        .with("generated", map(this::generated)));
        boolean primaryKey = column.entries().get("pk") instanceof Entry pk
                && pk.value() instanceof Scalar s
                && "true".equalsIgnoreCase(s.text());
        String type = text(column, "type");
        boolean serial = type != null && SERIAL_TYPES.contains(type.strip().toLowerCase(Locale.ROOT));
        if (!column.entries().containsKey("nullable") && !primaryKey && !serial) {
            putAfter(out, "type", "nullable", false);
            String name = text(column, "name");
            madeNotNull.add((table == null ? "?" : table) + "." + (name == null ? "?" : name));
            if (firstNotNull == null) {
                firstNotNull = column.location();
            }
        }
        return out;
    }

    private Rules constraint() {
        return fields("name", "type", "columns", "check", "deferrable", "initially_deferred", "nulls_not_distinct")
                .with("no_inherit", this::noInherit)
                .with("references", map(this::tableReference))
                .with("exclude", map(m -> rules.struct(m, "exclude", fields("index_method", "elements", "predicate"))))
                .with("index_parameters", map(this::indexParameters));
    }

    private Map<String, Object> indexParameters(MapNode parameters) {
        return rules.struct(
                parameters,
                "index_parameters",
                fields("storage_parameters", "include_columns")
                        .with(
                                "tablespace",
                                rules.notCarried("tandem builds the index in the table's tablespace; move it"
                                        + " afterwards with ALTER INDEX ... SET TABLESPACE")));
    }

    private Map<String, Object> check(MapNode check) {
        return rules.struct(check, "check", fields("name", "constraint").with("no_inherit", this::noInherit));
    }

    private Map<String, Object> columnReference(MapNode reference) {
        return rules.struct(
                reference,
                "references",
                fields("name", "table", "column", "on_delete", "on_update", "deferrable", "initially_deferred")
                        .with("match_type", this::matchType));
    }

    private Map<String, Object> tableReference(MapNode reference) {
        return rules.struct(
                reference,
                "references",
                fields("table", "columns", "on_delete", "on_update")
                        .with("match_type", this::matchType)
                        .with(
                                "on_delete_set_columns",
                                rules.notCarried(
                                        "tandem's ON DELETE SET NULL and SET DEFAULT set every column of the key;"
                                                + " to set only some, create the key with a sql operation")));
    }

    private Map<String, Object> generated(MapNode generated) {
        return rules.struct(
                generated,
                "generated",
                fields("expression")
                        .with(
                                "identity",
                                map(m -> rules.struct(
                                        m, "identity", fields("user_specified_values", "sequence_options")))));
    }

    /** A list of names, a list of IndexField objects, or a map from column name to its settings. */
    private Object indexColumns(Node columns) {
        Function<MapNode, Object> settings = m -> rules.struct(
                m,
                "index column",
                fields("column", "sort", "nulls")
                        .with("opclass", map(o -> rules.struct(o, "opclass", fields("name", "params"))))
                        .with(
                                "collate",
                                rules.notCarried("tandem builds the index with each column's own collation; to use"
                                        + " another, create the index with a sql operation")));
        if (columns instanceof ListNode list) {
            return list.items().stream()
                    .map(item -> item instanceof MapNode m ? settings.apply(m) : plain(item))
                    .toList();
        }
        if (columns instanceof MapNode map) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Entry entry : map.entries().values()) {
                out.put(entry.key(), entry.value() instanceof MapNode m ? settings.apply(m) : plain(entry.value()));
            }
            return out;
        }
        return plain(columns);
    }

    private void noInherit(Entry entry, String context, Map<String, Object> out) {
        if (isFalse(entry.value())) {
            rules.changed(
                    entry,
                    "left out 'no_inherit: false' of " + context + ": tandem's checks are inherited, as this"
                            + " one would be");
        } else {
            rules.notCarried("tandem creates checks that child tables inherit; if they must not, replace the check"
                            + " after this migration with a sql operation that adds it NO INHERIT")
                    .apply(entry, context, out);
        }
    }

    private static boolean isFalse(Node node) {
        return node instanceof Scalar s && s.text() != null && s.text().equalsIgnoreCase("false");
    }

    private void matchType(Entry entry, String context, Map<String, Object> out) {
        if (entry.value() instanceof Scalar s && s.text() != null && s.text().equalsIgnoreCase("SIMPLE")) {
            rules.changed(
                    entry, "left out 'match_type: SIMPLE' of " + context + ": tandem's foreign keys are MATCH SIMPLE");
        } else {
            rules.notCarried("tandem creates foreign keys MATCH SIMPLE, which accepts a row when any of its key"
                            + " columns is NULL; if that is wrong here, create the key with a sql operation")
                    .apply(entry, context, out);
        }
    }
}
