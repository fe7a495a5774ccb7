package dev.tandem.testkit;

import dev.tandem.testkit.FuzzDocument.Raw;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Malformed migration files, made by replacing one field of a valid file at a time (or removing it)
 * with a null, a value of the wrong type, an empty or a very long value. Every field of every
 * operation is covered, the fields of column objects and references, and the top-level fields.
 *
 * <p>The valid files act on {@link #FIXTURE}, so that the cases that parse can be run against a
 * database. Each case exists as YAML and, where JSON can express the value, as JSON. Deterministic.
 */
public final class MigrationFuzz {
    /** The tables the valid files act on. */
    public static final String FIXTURE = """
            CREATE TABLE categories (id int PRIMARY KEY);
            CREATE TABLE items (
              id bigserial PRIMARY KEY,
              qty int NOT NULL DEFAULT 0 CONSTRAINT items_qty_check CHECK (qty >= 0),
              note text,
              category_id int
            );
            CREATE INDEX items_note_idx ON items (note);
            CREATE TABLE old_things (id int PRIMARY KEY);
            """;

    /**
     * One file: {@code name} says which field holds which value, {@code value} names the value alone
     * (such as {@code "~"} or {@code "an empty list"}), {@code file} ends in .yaml or .json.
     */
    public record Case(String name, String value, String file, String text) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Removes the field; declared before {@link #VALUES}, which holds it. */
    private static final Object MISSING = FuzzDocument.REMOVE;

    /** What each field is set to, with how a case names it; {@link #MISSING} removes the field. */
    private static final Map<String, Object> VALUES = values();

    private MigrationFuzz() {}

    /** Every case, in a fixed order. */
    public static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (Map.Entry<String, Map<String, Object>> op : operations().entrySet()) {
            for (List<Object> path : FuzzDocument.paths(op.getValue(), new ArrayList<>())) {
                for (Map.Entry<String, Object> value : VALUES.entrySet()) {
                    Map<String, Object> body = FuzzDocument.copy(op.getValue());
                    FuzzDocument.set(body, path, value.getValue());
                    add(
                            cases,
                            op.getKey() + "." + FuzzDocument.name(path),
                            value.getKey(),
                            file(kind(op.getKey()), body));
                }
            }
        }
        Map<String, Object> valid = file("drop_index", map("name", "items_note_idx"));
        for (List<Object> path : FuzzDocument.paths(valid, new ArrayList<>())) {
            for (Map.Entry<String, Object> value : VALUES.entrySet()) {
                Map<String, Object> root = FuzzDocument.copy(valid);
                FuzzDocument.set(root, path, value.getValue());
                add(cases, "migration." + FuzzDocument.name(path), value.getKey(), root);
            }
        }
        for (Map.Entry<String, Object> value : VALUES.entrySet()) {
            if (value.getValue() != MISSING) {
                Map<String, Object> root = FuzzDocument.copy(valid);
                root.put("operations", Collections.singletonList(value.getValue()));
                add(cases, "operations[0]", value.getKey(), root);
                root = FuzzDocument.copy(valid);
                root.put("operations", List.of(Collections.singletonMap("add_column", value.getValue())));
                add(cases, "operations[0].add_column", value.getKey(), root);
            }
        }
        return cases;
    }

    /** Files that are malformed as a whole, not in one field. */
    public static List<Case> wholeFiles() {
        String big = "service: s\nowner: o\nrationale: " + "r".repeat(4_000_000) + "\noperations:\n"
                + "  - drop_index: { name: i }\n";
        return List.of(
                new Case("empty file", "whole file", "empty.yaml", ""),
                new Case("only a null", "whole file", "null.yaml", "~\n"),
                new Case("a list", "whole file", "list.yaml", "- a\n"),
                new Case("a number", "whole file", "number.json", "42"),
                new Case("two documents", "whole file", "two.yaml", "service: a\n---\nservice: b\n"),
                new Case("only a byte order mark", "whole file", "bom.yaml", "\uFEFF"),
                new Case("a tab for indentation", "whole file", "tab.yaml", "service: s\n\towner: o\n"),
                new Case("an unclosed map", "whole file", "open.json", "{\"service\": "),
                new Case("a trailing comma", "whole file", "comma.json", "{\"service\": \"s\",}"),
                new Case("nesting 10000 deep", "whole file", "deep.json", "[".repeat(10_000) + "]".repeat(10_000)),
                new Case(
                        "nesting 10000 deep",
                        "whole file",
                        "deep.yaml",
                        "a: " + "[".repeat(10_000) + "]".repeat(10_000)),
                new Case("a 4 MB value", "whole file", "big.yaml", big));
    }

    private static void add(List<Case> cases, String field, String value, Map<String, Object> root) {
        String name = field + " = " + value;
        cases.add(new Case(name + " (yaml)", value, "fuzz_" + cases.size() + ".yaml", FuzzDocument.yaml(root)));
        String json = FuzzDocument.json(root);
        if (json != null) {
            cases.add(new Case(name + " (json)", value, "fuzz_" + cases.size() + ".json", json));
        }
    }

    /** The operation's name in a label such as "create_constraint (check)". */
    private static String kind(String label) {
        return label.split(" ")[0];
    }

    private static Map<String, Object> file(String kind, Map<String, Object> body) {
        return map(
                "id", "fuzz",
                "service", "shop",
                "owner", "team",
                "rationale", "fuzz",
                "affects", List.of("billing"),
                "performance", "small",
                "schema", "public",
                "deprecations", List.of(map("field", "items.note", "sunset", "2020-01-01")),
                "operations", List.of(map(kind, body)));
    }

    /**
     * One valid body per operation (two for create_constraint), by a label that starts with the
     * operation's name; together they use every field.
     */
    private static Map<String, Map<String, Object>> operations() {
        Map<String, Map<String, Object>> ops = new LinkedHashMap<>();
        ops.put(
                "create_table",
                map(
                        "name",
                        "things",
                        "columns",
                        List.of(map("name", "id", "type", "bigint", "primary_key", true), column("ref"))));
        ops.put("drop_table", map("name", "old_things"));
        ops.put("rename_table", map("from", "old_things", "to", "new_things"));
        ops.put("add_column", map("table", "items", "column", column("extra"), "up", "qty + 1"));
        ops.put("drop_column", map("table", "items", "column", "note", "down", "'n/a'"));
        ops.put("rename_column", map("table", "items", "from", "note", "to", "remark"));
        ops.put(
                "alter_column",
                map(
                        "table", "items",
                        "column", "qty",
                        "type", "bigint",
                        "nullable", false,
                        "default", "1",
                        "unique", false,
                        "check", "qty >= 0",
                        "references", map("table", "categories", "column", "id"),
                        "name", "quantity",
                        "up", "qty::bigint",
                        "down", "quantity::int"));
        // one change alone, so that a null or empty change is the only change
        Map<String, Object> changes = map(
                "type", "bigint",
                "nullable", true,
                "default", "1",
                "unique", true,
                "check", "qty < 100",
                "references", map("table", "categories", "column", "id"),
                "name", "quantity");
        changes.forEach((change, value) ->
                ops.put("alter_column (only " + change + ")", map("table", "items", "column", "qty", change, value)));
        ops.put("add_column (minimal)", map("table", "items", "column", map("name", "extra", "type", "integer")));
        ops.put(
                "create_index",
                map(
                        "table", "items",
                        "name", "items_qty_idx",
                        "columns", List.of("qty"),
                        "unique", false,
                        "method", "btree",
                        "predicate", "qty > 0"));
        ops.put("drop_index", map("name", "items_note_idx"));
        ops.put(
                "create_constraint",
                map(
                        "table", "items",
                        "name", "items_category_fk",
                        "type", "foreign_key",
                        "columns", List.of("category_id"),
                        "references", map("table", "categories", "columns", List.of("id")),
                        "up", map("category_id", "category_id"),
                        "down", map("category_id", "category_id")));
        ops.put(
                "create_constraint (check)",
                map(
                        "table", "items",
                        "name", "items_qty_max",
                        "type", "check",
                        "columns", List.of("qty"),
                        "check", "qty < 1000000",
                        "up", map("qty", "least(qty, 999999)"),
                        "down", map("qty", "qty")));
        ops.put("drop_constraint", map("table", "items", "name", "items_qty_check"));
        ops.put("sql", map("up", "SELECT 1", "down", "SELECT 2"));
        ops.put(
                "move_table",
                map(
                        "table", "items",
                        "key", List.of("id"),
                        "to", map("store", "billing", "table", "invoice_items"),
                        "columns", map("id", "id", "quantity", "qty", "qty_cents", "(qty * 100)::bigint"),
                        "reverse", map("note", "'moved'")));
        return ops;
    }

    private static Map<String, Object> column(String name) {
        return map(
                "name",
                name,
                "type",
                "integer",
                "nullable",
                true,
                "default",
                "1",
                "unique",
                false,
                "check",
                name + " > 0",
                "references",
                map("table", "categories", "column", "id"),
                "primary_key",
                false);
    }

    private static Map<String, Object> values() {
        Object deep = List.of("a");
        for (int i = 0; i < 60; i++) {
            deep = List.of(deep);
        }
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("missing", MISSING);
        v.put("~", new Raw("~", "null"));
        v.put("null", null);
        v.put("nothing after the colon", new Raw("", null));
        v.put("a list", List.of("a", "b"));
        v.put("a map", map("a", "b"));
        v.put("a number", 42);
        v.put("a float", -1.5e3);
        v.put("a boolean", true);
        v.put("an empty string", "");
        v.put("a blank string", "   ");
        v.put("an empty list", List.of());
        v.put("an empty map", Map.of());
        v.put("a list holding null", Collections.singletonList(null));
        v.put("a 10000-character string", "x".repeat(10_000));
        v.put("a 300-item list", Collections.nCopies(300, "a"));
        v.put("a list nested 61 deep", deep);
        v.put("a string with NUL", "a\u0000b");
        v.put("an emoji", "😀");
        v.put("an injection", "x\"; DROP TABLE items; --");
        v.put(".nan", new Raw(".nan", null));
        v.put("a binary tag", new Raw("!!binary aGVsbG8=", null));
        v.put("an undefined alias", new Raw("*nowhere", null));
        v.put("an anchor", new Raw("&here value", null));
        v.put("a YAML 1.1 date", new Raw("2001-12-14", "\"2001-12-14\""));
        v.put("yes", new Raw("yes", "\"yes\""));
        return Collections.unmodifiableMap(v);
    }

    static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
