package dev.tandem.postgres;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The triggers that keep the two shapes of one table equal while both are live. A write through the
 * new shape (the version schema first on {@code search_path}) feeds the old columns with each
 * {@code down}; any other write feeds the new columns with each {@code up}.
 *
 * <p>An UPDATE feeds a target when it assigns a column the target's expression reads, even to the
 * value it already had: with a lossy {@code up} (say {@code least(qty, 40)}), {@code SET qty = 40}
 * through the new shape on a row whose old value is 45 changes nothing in the new shape, but it is
 * a write that the old shape must receive.
 *
 * <p>A row that existed at start holds NULL in the new columns until the backfill reaches it. An
 * UPDATE of such a row, through either shape, first fills each new NOT NULL column it leaves NULL
 * (with the backfill's own expression), or the NOT VALID NOT NULL check would refuse the write. A
 * NULL that a new-shape writer assigns to such a column is refused as a NOT NULL violation, as it
 * would be after complete, rather than silently replaced.
 *
 * <p>Cheap by construction: the owner's expressions are compiled into the PL/pgSQL function (no
 * dynamic SQL), the columns they read are bound to local variables of the column's own type, and an
 * UPDATE that assigns no column an expression reads never calls the function at all: each
 * assignment has its own {@code BEFORE UPDATE OF <its inputs>} trigger whose WHEN clause picks the
 * direction, both filtered in C.
 */
final class SyncTrigger {
    static final String INSERT_TRIGGER = "_tandem_sync_insert";
    static final String UPDATE_TRIGGER = "_tandem_sync_update";
    /** Trigger names sort as they must fire: refuse assigned NULLs, fill, then sync. */
    static final String NULL_TRIGGER = "_tandem_sync_assert";

    static final String FILL_TRIGGER = "_tandem_sync_fill";

    private SyncTrigger() {}

    /** An assignment {@code target := expression}, where the expression reads columns by shape names. */
    record Assignment(String target, String expression) {}

    /** One side's assignments, and the names its expressions use for the physical columns. */
    private record Direction(List<Assignment> assignments, Map<String, String> shape, boolean newShape) {}

    static String functionName(String migrationId, String table) {
        return Sql.shortName("sync_" + migrationId + "_" + table);
    }

    /** Writes through the new shape feed the old columns; any other write feeds the new columns. */
    private static List<Direction> directions(TableChange t) {
        Map<String, String> oldShape = oldShape(t);
        List<Assignment> up = new ArrayList<>();
        t.added.stream()
                .filter(a -> a.up() != null)
                .forEach(a -> up.add(new Assignment(a.spec().name(), a.up())));
        t.copies.forEach(c -> up.add(new Assignment(c.copy(), c.up())));
        List<Assignment> down = new ArrayList<>();
        t.droppedColumns.stream()
                .filter(d -> d.down() != null)
                .forEach(d -> down.add(new Assignment(d.column(), d.down())));
        t.copies.forEach(
                c -> down.add(new Assignment(c.column(), c.down() != null ? c.down() : Sql.id(c.finalName()))));
        return List.of(new Direction(down, t.newShape, true), new Direction(up, oldShape, false));
    }

    /**
     * The new NOT NULL columns, each with the expression over the old shape that the backfill fills it
     * with.
     */
    private static List<Assignment> fills(TableChange t) {
        List<Assignment> fills = new ArrayList<>();
        for (TableChange.Added a : t.added) {
            String expression = a.up() != null ? a.up() : a.spec().defaultValue();
            if (!a.spec().nullable() && expression != null) {
                fills.add(new Assignment(a.spec().name(), expression));
            }
        }
        t.copies.stream().filter(TableChange.Copy::notNull).forEach(c -> fills.add(new Assignment(c.copy(), c.up())));
        return fills;
    }

    private static Map<String, String> oldShape(TableChange t) {
        Map<String, String> oldShape = new LinkedHashMap<>();
        t.existing.columns().forEach(c -> oldShape.put(c.name(), c.name()));
        return oldShape;
    }

    /** The new-shape name of a physical column. */
    private static String newName(TableChange t, String physical) {
        return t.newShape.entrySet().stream()
                .filter(e -> e.getValue().equals(physical))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElse(physical);
    }

    /** The physical columns an expression reads, in one shape. */
    private static List<String> inputs(String expression, Map<String, String> shape) {
        return Sql.identifiers(expression).stream()
                .filter(shape::containsKey)
                .map(shape::get)
                .distinct()
                .toList();
    }

    /** The name of the UPDATE trigger of the n-th assignment (both directions numbered together). */
    private static String updateTrigger(int n) {
        return UPDATE_TRIGGER + "_" + n;
    }

    /** Each purpose has its own function, so no function body tests which purpose it serves. */
    private static String function(String migrationId, String table, String purpose) {
        return Sql.id("tandem", Sql.shortName(functionName(migrationId, table) + "_" + purpose));
    }

    private static List<String> purposes(TableChange t) {
        List<String> purposes = new ArrayList<>(List.of("insert_new", "insert_old", "fill", "null"));
        int n = 0;
        for (Direction d : directions(t)) {
            for (Assignment ignored : d.assignments()) {
                purposes.add("update_" + ++n);
            }
        }
        return purposes;
    }

    /**
     * CREATE FUNCTION and CREATE TRIGGER statements for one table. Which shape a write came through is
     * decided once, in each trigger's WHEN clause (evaluated in C); the functions only assign.
     */
    static String create(String schema, String versionSchema, String migrationId, TableChange t) {
        String table = Sql.id(schema, t.table);
        String isNewShape = "(current_schemas(false))[1] = " + Sql.literal(versionSchema);
        // With no schema on search_path the first schema is NULL: an old-shape write.
        String isOldShape = "(current_schemas(false))[1] IS DISTINCT FROM " + Sql.literal(versionSchema);
        List<String> sql = new ArrayList<>();
        List<Direction> directions = directions(t);
        int n = 0;
        for (Direction d : directions) {
            String when = d.newShape() ? isNewShape : isOldShape;
            if (!d.assignments().isEmpty()) {
                String fn = function(migrationId, t.table, d.newShape() ? "insert_new" : "insert_old");
                sql.add(function(fn, body(schema, t.table, d.assignments(), d.shape())));
                sql.add("CREATE TRIGGER " + Sql.id(INSERT_TRIGGER + (d.newShape() ? "_new" : "_old"))
                        + " BEFORE INSERT ON " + table + " FOR EACH ROW WHEN (" + when + ") EXECUTE FUNCTION " + fn
                        + "()");
            }
            for (Assignment a : d.assignments()) {
                n++;
                List<String> inputs = inputs(a.expression(), d.shape());
                if (!inputs.isEmpty()) {
                    String fn = function(migrationId, t.table, "update_" + n);
                    sql.add(function(fn, body(schema, t.table, List.of(a), d.shape())));
                    sql.add("CREATE TRIGGER " + Sql.id(updateTrigger(n)) + " BEFORE UPDATE OF " + Sql.ids(inputs)
                            + " ON " + table + " FOR EACH ROW WHEN (" + when + ") EXECUTE FUNCTION " + fn + "()");
                }
            }
        }
        List<Assignment> fills = fills(t);
        if (!fills.isEmpty()) {
            String refuse = function(migrationId, t.table, "null");
            sql.add(function(refuse, """
                      RAISE EXCEPTION 'null value in column "%" of relation "%" violates not-null constraint', TG_ARGV[0], TG_TABLE_NAME
                        USING ERRCODE = 'not_null_violation',
                              HINT = 'A row the backfill has not reached yet reads NULL in its new columns; that NULL is not its value.';
                    """));
            List<String> anyNull = new ArrayList<>();
            int k = 0;
            for (Assignment a : fills) {
                String target = Sql.id(a.target());
                anyNull.add("(OLD." + target + " IS NULL AND NEW." + target + " IS NULL)");
                sql.add("CREATE TRIGGER " + Sql.id(NULL_TRIGGER + "_" + ++k) + " BEFORE UPDATE OF " + target + " ON "
                        + table
                        + " FOR EACH ROW WHEN (" + isNewShape + " AND NEW." + target + " IS NULL) EXECUTE FUNCTION "
                        + refuse
                        + "(" + Sql.literal(newName(t, a.target())) + ")");
            }
            String fill = function(migrationId, t.table, "fill");
            sql.add(function(fill, fillBranch(schema, t.table, fills, oldShape(t)) + "\n  RETURN NEW;"));
            sql.add("CREATE TRIGGER " + Sql.id(FILL_TRIGGER) + " BEFORE UPDATE ON " + table + " FOR EACH ROW WHEN ("
                    + String.join(" OR ", anyNull) + ") EXECUTE FUNCTION " + fill + "()");
        }
        return String.join(";\n", sql);
    }

    private static String function(String name, String body) {
        return "CREATE FUNCTION " + name + "() RETURNS trigger LANGUAGE plpgsql AS $tandem$\nBEGIN\n" + body
                + "\nEND\n$tandem$";
    }

    /** Binds the columns the expressions read, assigns every target, and returns the row. */
    private static String body(String schema, String table, List<Assignment> assignments, Map<String, String> shape) {
        // The cheapest body reads NEW's fields directly; variables named as in the shape are the
        // fallback for expressions whose column names the tokenizer cannot place with certainty.
        List<String> direct = new ArrayList<>();
        for (Assignment a : assignments) {
            java.util.Optional<String> onNew = Sql.onRecord(a.expression(), "NEW", shape);
            if (onNew.isEmpty()) {
                direct = null;
                break;
            }
            direct.add("  NEW." + Sql.id(a.target()) + " := (" + onNew.get() + ");\n");
        }
        if (direct != null) {
            return String.join("", direct) + "  RETURN NEW;";
        }
        StringBuilder b = new StringBuilder(declare(schema, table, assignments, shape));
        b.append("    BEGIN\n");
        for (Assignment a : assignments) {
            b.append("      NEW.")
                    .append(Sql.id(a.target()))
                    .append(" := (")
                    .append(a.expression())
                    .append(");\n");
        }
        b.append("    END;\n  RETURN NEW;");
        return b.toString();
    }

    static String drop(String schema, String migrationId, TableChange t) {
        String table = Sql.id(schema, t.table);
        List<String> sql = new ArrayList<>();
        sql.add("DROP TRIGGER IF EXISTS " + Sql.id(INSERT_TRIGGER + "_new") + " ON " + table);
        sql.add("DROP TRIGGER IF EXISTS " + Sql.id(INSERT_TRIGGER + "_old") + " ON " + table);
        int n = 0;
        for (Direction d : directions(t)) {
            for (Assignment ignored : d.assignments()) {
                sql.add("DROP TRIGGER IF EXISTS " + Sql.id(updateTrigger(++n)) + " ON " + table);
            }
        }
        int fills = fills(t).size();
        for (int k = 1; k <= fills; k++) {
            sql.add("DROP TRIGGER IF EXISTS " + Sql.id(NULL_TRIGGER + "_" + k) + " ON " + table);
        }
        if (fills > 0) {
            sql.add("DROP TRIGGER IF EXISTS " + Sql.id(FILL_TRIGGER) + " ON " + table);
        }
        return String.join(";\n", sql);
    }

    static String dropFunctions(String migrationId, TableChange t) {
        return String.join(
                ";\n",
                purposes(t).stream()
                        .map(p -> "DROP FUNCTION IF EXISTS " + function(migrationId, t.table, p) + "()")
                        .toList());
    }

    /** Fills each target that is NULL before and after the UPDATE from the old shape's columns. */
    private static String fillBranch(
            String schema, String table, List<Assignment> fills, Map<String, String> oldShape) {
        StringBuilder b = new StringBuilder();
        b.append(declare(schema, table, fills, oldShape));
        b.append("    BEGIN\n");
        for (Assignment a : fills) {
            String target = Sql.id(a.target());
            b.append("      IF OLD.")
                    .append(target)
                    .append(" IS NULL AND NEW.")
                    .append(target)
                    .append(" IS NULL THEN\n");
            b.append("        NEW.")
                    .append(target)
                    .append(" := (")
                    .append(a.expression())
                    .append(");\n");
            b.append("      END IF;\n");
        }
        b.append("    END;");
        return b.toString();
    }

    /** A DECLARE section binding each column the expressions read (as named in the shape) to NEW's value. */
    private static String declare(
            String schema, String table, List<Assignment> assignments, Map<String, String> shape) {
        Map<String, String> used = new LinkedHashMap<>();
        for (Assignment a : assignments) {
            for (String name : Sql.identifiers(a.expression())) {
                if (shape.containsKey(name)) {
                    used.put(name, shape.get(name));
                }
            }
        }
        StringBuilder b = new StringBuilder();
        if (!used.isEmpty()) {
            b.append("    DECLARE\n");
            used.forEach((name, physical) -> b.append("      ")
                    .append(Sql.id(name))
                    .append(' ')
                    .append(Sql.id(schema))
                    .append('.')
                    .append(Sql.id(table))
                    .append('.')
                    .append(Sql.id(physical))
                    .append("%TYPE := NEW.")
                    .append(Sql.id(physical))
                    .append(";\n"));
        }
        return b.toString();
    }
}
