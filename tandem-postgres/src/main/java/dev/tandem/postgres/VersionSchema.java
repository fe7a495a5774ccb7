package dev.tandem.postgres;

import java.util.ArrayList;
import java.util.List;

/**
 * The version schema: one simple (hence updatable) view per table the migration touches, presenting
 * the new shape. Untouched tables, functions and types resolve through the base schema that follows
 * it on the client's {@code search_path}. A table the migration drops, or the old name of one it
 * renames, is shadowed by a view that fails with a clear error, so the new shape cannot reach it
 * through the base schema.
 */
final class VersionSchema {
    private VersionSchema() {}

    static String create(String schema, String versionSchema, List<TableChange> tables) {
        List<String> statements = new ArrayList<>();
        statements.add("CREATE SCHEMA " + Sql.id(versionSchema));
        String gone = Sql.id(versionSchema, "tandem_gone");
        statements.add("CREATE FUNCTION " + gone
                + "(relation text) RETURNS SETOF int LANGUAGE plpgsql AS $tandem$\nBEGIN\n"
                + "  RAISE EXCEPTION 'relation \"%\" does not exist in the new shape', relation\n"
                + "    USING ERRCODE = 'undefined_table', HINT = "
                + Sql.literal("migration " + versionSchema + " drops or renames it; old-shape clients still use it")
                + ";\nEND\n$tandem$");
        for (TableChange t : tables) {
            if (!t.dropped) {
                statements.add(view(schema, versionSchema, t));
            }
            if (t.dropped || t.renamedTo != null) {
                statements.add("CREATE VIEW " + Sql.id(versionSchema, t.table) + " AS SELECT gone FROM " + gone + "("
                        + Sql.literal(t.table) + ") AS gone");
            }
        }
        return String.join(";\n", statements);
    }

    static String view(String schema, String versionSchema, TableChange t) {
        List<String> columns = new ArrayList<>();
        t.newShape.forEach((name, physical) ->
                columns.add(name.equals(physical) ? Sql.id(name) : Sql.id(physical) + " AS " + Sql.id(name)));
        return "CREATE VIEW " + Sql.id(versionSchema, t.finalName()) + " AS SELECT " + String.join(", ", columns)
                + " FROM " + Sql.id(schema, t.table);
    }

    static String dropView(String versionSchema, TableChange t) {
        return "DROP VIEW IF EXISTS " + Sql.id(versionSchema, t.finalName());
    }

    static String drop(String versionSchema) {
        return "DROP SCHEMA IF EXISTS " + Sql.id(versionSchema) + " CASCADE";
    }
}
