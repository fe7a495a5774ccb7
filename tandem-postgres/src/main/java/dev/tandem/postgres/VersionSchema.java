package dev.tandem.postgres;

import java.util.ArrayList;
import java.util.List;

/**
 * The version schema: one view per table the migration touches, presenting the new shape. Untouched
 * tables, functions and types resolve through the base schema that follows it on the client's
 * {@code search_path}.
 *
 * <p>The schema appears at {@code start}, but the new shape is served only once the backfill is done
 * ({@link #serve}), so a client never reads a row the backfill has not reached, and never writes back
 * a value it did not see. Until then each view is a placeholder with the new shape's columns that
 * fails with a clear error: a client that moved early is told so, instead of silently falling through
 * to the base schema's old shape.
 *
 * <p>A table the migration drops, or the old name of one it renames, is shadowed by a view that fails
 * with a clear error, so the new shape cannot reach it through the base schema.
 *
 * <p>The views are {@code security_invoker} (PostgreSQL 15 and later), so row-level security policies
 * and column privileges apply through the new shape exactly as on the table, and each role gets on a
 * view the privileges it has on the table, and USAGE on the schema.
 */
final class VersionSchema {
    private static final String GONE = "tandem_gone";
    private static final String PENDING = "tandem_pending";
    private static final String PENDING_WRITE = "tandem_pending_write";

    private VersionSchema() {}

    /** The schema, its placeholder views and its shadows of dropped and renamed-away tables. */
    static String create(String schema, String versionSchema, List<TableChange> tables) {
        List<String> statements = new ArrayList<>();
        statements.add("CREATE SCHEMA " + Sql.id(versionSchema));
        String gone = Sql.id(versionSchema, GONE);
        statements.add("CREATE FUNCTION " + gone + "(relation text) RETURNS SETOF int LANGUAGE plpgsql AS "
                + Sql.dollarQuoted("\nBEGIN\n"
                        + "  RAISE EXCEPTION 'relation \"%\" does not exist in the new shape', relation\n"
                        + "    USING ERRCODE = 'undefined_table', HINT = "
                        + Sql.literal(
                                "migration " + versionSchema + " drops or renames it; old-shape clients still use it")
                        + ";\nEND\n"));
        String notReady = "  RAISE EXCEPTION 'the new shape of \"%\" is not served yet', relation\n"
                + "    USING ERRCODE = 'object_not_in_prerequisite_state', HINT = "
                + Sql.literal("the backfill of migration " + versionSchema
                        + " is not done; `tandem status` shows its progress. Use the old shape until then")
                + ";\n";
        String pending = Sql.id(versionSchema, PENDING);
        statements.add("CREATE FUNCTION " + pending + "(relation text) RETURNS SETOF int LANGUAGE plpgsql AS "
                + Sql.dollarQuoted("\nBEGIN\n" + notReady + "END\n"));
        String pendingWrite = Sql.id(versionSchema, PENDING_WRITE);
        statements.add("CREATE FUNCTION " + pendingWrite + "() RETURNS trigger LANGUAGE plpgsql AS "
                + Sql.dollarQuoted("\nDECLARE\n  relation text := TG_TABLE_NAME;\nBEGIN\n" + notReady + "END\n"));
        for (TableChange t : tables) {
            if (!t.dropped) {
                String view = Sql.id(versionSchema, t.finalName());
                List<String> columns = new ArrayList<>();
                // Each column depends on the function's output, so no WHERE clause lets the planner skip it.
                t.newShape.forEach((name, physical) -> columns.add(
                        "CASE WHEN p IS NULL THEN NULL::" + t.typeOf(physical) + " END AS " + Sql.id(name)));
                statements.add("CREATE VIEW " + view + " AS SELECT " + String.join(", ", columns) + " FROM " + pending
                        + "(" + Sql.literal(t.finalName()) + ") AS p");
                statements.add("CREATE TRIGGER " + Sql.id(PENDING_WRITE) + " INSTEAD OF INSERT OR UPDATE OR DELETE ON "
                        + view + " FOR EACH ROW EXECUTE FUNCTION " + pendingWrite + "()");
                statements.add(NewShapeWrites.fireAlways(view));
            }
            if (t.dropped || t.renamedTo != null) {
                statements.add("CREATE VIEW " + Sql.id(versionSchema, t.table) + " AS SELECT gone FROM " + gone + "("
                        + Sql.literal(t.table) + ") AS gone");
            }
        }
        statements.add(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + Sql.id(versionSchema) + " TO PUBLIC");
        statements.add(schemaUsage(schema, versionSchema));
        return String.join(";\n", statements);
    }

    /**
     * Replaces each placeholder with the view that serves the new shape, with the table's privileges,
     * and INSTEAD OF triggers where the two shapes are kept in sync.
     */
    static String serve(String schema, String versionSchema, List<TableChange> tables, int serverVersion) {
        List<String> statements = new ArrayList<>();
        for (TableChange t : tables) {
            if (t.dropped) {
                continue;
            }
            String view = Sql.id(versionSchema, t.finalName());
            statements.add("DROP VIEW " + view);
            statements.add(view(schema, versionSchema, t, serverVersion));
            if (t.needsSync()) {
                statements.add(NewShapeWrites.create(schema, versionSchema, t));
            }
            statements.add(grants(schema, versionSchema, t));
        }
        return String.join(";\n", statements);
    }

    private static String view(String schema, String versionSchema, TableChange t, int serverVersion) {
        List<String> columns = new ArrayList<>();
        t.newShape.forEach((name, physical) ->
                columns.add(name.equals(physical) ? Sql.id(name) : Sql.id(physical) + " AS " + Sql.id(name)));
        return "CREATE VIEW " + Sql.id(versionSchema, t.finalName())
                + (serverVersion >= 150000 ? " WITH (security_invoker = true)" : "") + " AS SELECT "
                + String.join(", ", columns) + " FROM " + Sql.id(schema, t.table);
    }

    /** Every role that may use the base schema may use the version schema. */
    private static String schemaUsage(String schema, String versionSchema) {
        return "DO " + Sql.dollarQuoted("""

                DECLARE r record;
                BEGIN
                  FOR r IN SELECT DISTINCT a.grantee FROM pg_namespace n,
                           aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
                           WHERE n.nspname = %s AND a.privilege_type = 'USAGE' LOOP
                    EXECUTE format('GRANT USAGE ON SCHEMA %%I TO %%s', %s,
                      CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r.grantee)) END);
                  END LOOP;
                END
                """.formatted(Sql.literal(schema), Sql.literal(versionSchema)));
    }

    /**
     * Each role gets on the view what it has on the table (table and column privileges, with grant
     * option where it has it) and USAGE on the version schema. Read from the catalog when the view is
     * served, so grants made during the backfill are carried over too.
     */
    private static String grants(String schema, String versionSchema, TableChange t) {
        String table = Sql.literal(Sql.id(schema, t.table));
        String view = Sql.literal(Sql.id(versionSchema, t.finalName()));
        List<String> mapping = new ArrayList<>();
        t.newShape.forEach(
                (name, physical) -> mapping.add("(" + Sql.literal(physical) + ", " + Sql.literal(name) + ")"));
        return "DO "
                + Sql.dollarQuoted("""

                DECLARE r record;
                BEGIN
                  FOR r IN SELECT a.privilege_type AS p, a.grantee, a.is_grantable AS g
                           FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
                           WHERE c.oid = %1$s::regclass
                             AND a.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE', 'REFERENCES', 'TRIGGER') LOOP
                    EXECUTE format('GRANT %%s ON %%s TO %%s%%s', r.p, %2$s, %3$s, %4$s);
                    EXECUTE format('GRANT USAGE ON SCHEMA %%I TO %%s', %5$s, %3$s);
                  END LOOP;
                  FOR r IN SELECT m.name, a.privilege_type AS p, a.grantee, a.is_grantable AS g
                           FROM (VALUES %6$s) m(physical, name)
                           JOIN pg_attribute att ON att.attrelid = %1$s::regclass AND att.attname = m.physical
                           CROSS JOIN LATERAL aclexplode(att.attacl) a LOOP
                    EXECUTE format('GRANT %%s (%%I) ON %%s TO %%s%%s', r.p, r.name, %2$s, %3$s, %4$s);
                    EXECUTE format('GRANT USAGE ON SCHEMA %%I TO %%s', %5$s, %3$s);
                  END LOOP;
                END
                """.formatted(
                                table,
                                view,
                                "CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r.grantee)) END",
                                "CASE WHEN r.g THEN ' WITH GRANT OPTION' ELSE '' END",
                                Sql.literal(versionSchema),
                                String.join(", ", mapping)));
    }

    /**
     * The objects outside the version schema that use something in it (a user's view or SQL-bodied
     * function that reads the new shape), each as PostgreSQL names it; dropping the schema would drop
     * them with it.
     */
    static List<String> dependents(java.sql.Connection c, String versionSchema) throws java.sql.SQLException {
        List<String> out = new ArrayList<>();
        try (java.sql.PreparedStatement ps = c.prepareStatement(DEPENDENTS)) {
            ps.setString(1, versionSchema);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static final String DEPENDENTS = """
            WITH vs AS (SELECT oid, nspname FROM pg_namespace WHERE nspname = ?),
            inside AS (
              SELECT 'pg_class'::regclass AS classid, c.oid FROM pg_class c, vs WHERE c.relnamespace = vs.oid
              UNION ALL SELECT 'pg_proc'::regclass, p.oid FROM pg_proc p, vs WHERE p.pronamespace = vs.oid
              UNION ALL SELECT 'pg_type'::regclass, t.oid FROM pg_type t, vs WHERE t.typnamespace = vs.oid)
            SELECT DISTINCT o.type || ' ' || o.identity
            FROM pg_depend d
            JOIN inside i ON i.classid = d.refclassid AND i.oid = d.refobjid
            LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid
            LEFT JOIN pg_trigger tg ON d.classid = 'pg_trigger'::regclass AND tg.oid = d.objid
            -- a view's rule and a trigger belong to their relation: name that, and judge its schema
            CROSS JOIN LATERAL pg_identify_object(
                CASE WHEN r.oid IS NULL AND tg.oid IS NULL THEN d.classid ELSE 'pg_class'::regclass END,
                coalesce(r.ev_class, tg.tgrelid, d.objid),
                CASE WHEN r.oid IS NULL AND tg.oid IS NULL THEN d.objsubid ELSE 0 END) o
            CROSS JOIN vs
            WHERE d.deptype = 'n' AND o.schema IS DISTINCT FROM vs.nspname
            ORDER BY 1
            """;

    static String dropView(String versionSchema, TableChange t) {
        return "DROP VIEW IF EXISTS " + Sql.id(versionSchema, t.finalName());
    }

    static String drop(String versionSchema) {
        return "DROP SCHEMA IF EXISTS " + Sql.id(versionSchema) + " CASCADE";
    }
}
