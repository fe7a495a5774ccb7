package dev.tandem.postgres;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The triggers on a base table that keep its two shapes equal while both are live. Which shape a
 * write came through follows the relation it was made on, never the writer's session: a write
 * through the new shape's view is carried out by that view's INSTEAD OF trigger ({@link
 * NewShapeWrites}), which marks the row it writes with {@code _tandem_via = true}. That mark, read
 * here and cleared before the row is stored, is the only signal: any write that does not carry it
 * was made on the table, by an old-shape client, whatever its {@code search_path}.
 *
 * <p>A write through the old shape feeds each new column from its {@code up}; a write through the
 * new shape feeds each old column from its {@code down}. An old-shape UPDATE feeds a target when it
 * assigns a column the target's {@code up} reads, even to the value it already had (the view
 * cannot tell assignment from value, so a new-shape UPDATE feeds a target when a column its {@code
 * down} reads changes value).
 *
 * <p>The triggers are named to sort after any trigger name in ASCII, because PostgreSQL fires the
 * BEFORE triggers of a table in name order: the table's own triggers (an {@code updated_at} stamp,
 * a trigger that lowercases an email) run first, and sync sees the row as they leave it. They are
 * {@code ENABLE ALWAYS}, so writers with {@code session_replication_role = replica} (logical
 * replication apply, bulk loads) are kept in sync too.
 *
 * <p>While the backfill runs, a row it has not reached holds NULL in the new columns. An old-shape
 * UPDATE of such a row first fills each new NOT NULL column it leaves NULL, or the NOT VALID NOT
 * NULL check would refuse the write. The new shape is served only after the backfill, so no client
 * reads those NULLs.
 *
 * <p>What these triggers promise of the new columns, and what they do not. Every INSERT made on the
 * table computes each {@code up} column (and a new column with only a default gets its default), so a
 * row inserted after start is in the new shape wherever it lands. An UPDATE recomputes an {@code up}
 * column only when it assigns a column that {@code up} reads, and fills a NOT NULL column that is
 * still NULL; an UPDATE that assigns other columns leaves a nullable new column as it found it. So a
 * row the backfill has not reached stays NULL there through such an UPDATE, which also gives it a new
 * ctid (and, through its key columns, may give it a new key). These triggers alone therefore do not
 * make "only rows untouched since start need the backfill" true: {@link BackfillOnUpdate} does, by
 * doing the backfill's work on every row an UPDATE could move out of the backfill's way, until the
 * backfill is done.
 *
 * <p>Cheap by construction: the owner's expressions are compiled into PL/pgSQL (no dynamic SQL),
 * each up-assignment has its own {@code BEFORE UPDATE OF <its inputs>} trigger, and every WHEN
 * clause tests one column of the row, in C.
 */
final class SyncTrigger {
    /** The mark a new-shape write carries to the table's triggers; always NULL at rest. */
    static final String VIA = "_tandem_via";

    /** Sorts after every ASCII trigger name, so the table's own BEFORE triggers fire first. */
    private static final String PREFIX = "~tandem_sync_";

    // Within a write, the new-shape triggers fire last: they clear the mark the others test.
    private static final String FILL = PREFIX + "1_fill";
    private static final String INSERT_OLD = PREFIX + "2_insert_old";
    private static final String UPDATE_OLD = PREFIX + "2_update_old_";
    private static final String INSERT_NEW = PREFIX + "3_insert_new";
    private static final String UPDATE_NEW = PREFIX + "3_update_new";

    private static final String OLD_SHAPE_WRITE = "NEW." + Sql.id(VIA) + " IS NOT TRUE";
    private static final String NEW_SHAPE_WRITE = "NEW." + Sql.id(VIA);

    private SyncTrigger() {}

    /** An assignment {@code target := expression}, where the expression reads columns by shape names. */
    record Assignment(String target, String expression) {}

    static String functionName(String migrationId, String table) {
        return Sql.shortName("sync_" + migrationId + "_" + table);
    }

    /** Old-shape writes feed the new columns. */
    private static List<Assignment> ups(TableChange t) {
        List<Assignment> up = new ArrayList<>();
        t.added.stream()
                .filter(a -> a.up() != null)
                .forEach(a -> up.add(new Assignment(a.spec().name(), a.up())));
        t.copies.forEach(c -> up.add(new Assignment(c.copy(), c.up())));
        return up;
    }

    /** New-shape writes feed the old columns. */
    private static List<Assignment> downs(TableChange t) {
        List<Assignment> down = new ArrayList<>();
        t.droppedColumns.stream()
                .filter(d -> d.down() != null)
                .forEach(d -> down.add(new Assignment(d.column(), d.down())));
        t.copies.forEach(
                c -> down.add(new Assignment(c.column(), c.down() != null ? c.down() : Sql.id(c.finalName()))));
        return down;
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

    /** The physical columns an expression reads, in one shape. */
    private static List<String> inputs(String expression, Map<String, String> shape) {
        return Sql.identifiers(expression).stream()
                .filter(shape::containsKey)
                .map(shape::get)
                .distinct()
                .toList();
    }

    /** Each purpose has its own function, so no function body tests which purpose it serves. */
    private static String function(String migrationId, String table, String purpose) {
        return Sql.id("tandem", Sql.shortName(functionName(migrationId, table) + "_" + purpose));
    }

    /** The triggers of one table, by name, in the order they are created; and their functions' purposes. */
    private record Names(List<String> triggers, List<String> purposes) {}

    private static Names names(TableChange t) {
        List<String> triggers = new ArrayList<>();
        List<String> purposes = new ArrayList<>();
        if (!fills(t).isEmpty()) {
            triggers.add(FILL);
            purposes.add("fill");
        }
        List<Assignment> ups = ups(t);
        if (!ups.isEmpty()) {
            triggers.add(INSERT_OLD);
            purposes.add("insert_old");
        }
        triggers.add(INSERT_NEW);
        purposes.add("insert_new");
        for (int n = 1; n <= ups.size(); n++) {
            if (!inputs(ups.get(n - 1).expression(), oldShape(t)).isEmpty()) {
                triggers.add(UPDATE_OLD + n);
                purposes.add("update_" + n);
            }
        }
        triggers.add(UPDATE_NEW);
        purposes.add("update_new");
        return new Names(triggers, purposes);
    }

    /** CREATE FUNCTION and CREATE TRIGGER statements for one table, all triggers ENABLE ALWAYS. */
    static String create(String schema, String migrationId, TableChange t) {
        String table = Sql.id(schema, t.table);
        Map<String, String> oldShape = oldShape(t);
        List<String> sql = new ArrayList<>();
        List<Assignment> fills = fills(t);
        if (!fills.isEmpty()) {
            List<String> anyNull = new ArrayList<>();
            List<Guarded> guarded = new ArrayList<>();
            for (Assignment a : fills) {
                String target = Sql.id(a.target());
                String unset = "OLD." + target + " IS NULL AND NEW." + target + " IS NULL";
                anyNull.add("(" + unset + ")");
                guarded.add(new Guarded(a, unset));
            }
            String fn = function(migrationId, t.table, "fill");
            sql.add(function(fn, body(schema, t.table, guarded, oldShape, "")));
            sql.add(trigger(FILL, "BEFORE UPDATE", table, String.join(" OR ", anyNull), fn));
        }
        List<Assignment> ups = ups(t);
        if (!ups.isEmpty()) {
            String fn = function(migrationId, t.table, "insert_old");
            sql.add(function(fn, body(schema, t.table, unguarded(ups), oldShape, "")));
            sql.add(trigger(INSERT_OLD, "BEFORE INSERT", table, OLD_SHAPE_WRITE, fn));
        }
        List<Assignment> downs = downs(t);
        // Through the new shape a new NOT NULL column is refused NULL as it will be after complete (the
        // table holds it as a NOT VALID check until then, which would report a check violation).
        StringBuilder clearVia = new StringBuilder();
        for (Assignment a : fills) {
            clearVia.append("  IF NEW.")
                    .append(Sql.id(a.target()))
                    .append(" IS NULL THEN\n    RAISE EXCEPTION 'null value in column \"%\" of relation \"%\" violates")
                    .append(" not-null constraint', ")
                    .append(Sql.literal(t.newName(a.target())))
                    .append(", ")
                    .append(Sql.literal(t.finalName()))
                    .append(" USING ERRCODE = 'not_null_violation';\n  END IF;\n");
        }
        clearVia.append("  NEW.").append(Sql.id(VIA)).append(" := NULL;\n");
        String insertNew = function(migrationId, t.table, "insert_new");
        sql.add(function(insertNew, body(schema, t.table, unguarded(downs), t.newShape, clearVia.toString())));
        sql.add(trigger(INSERT_NEW, "BEFORE INSERT", table, NEW_SHAPE_WRITE, insertNew));
        for (int n = 1; n <= ups.size(); n++) {
            Assignment a = ups.get(n - 1);
            List<String> inputs = inputs(a.expression(), oldShape);
            if (!inputs.isEmpty()) {
                String fn = function(migrationId, t.table, "update_" + n);
                sql.add(function(fn, body(schema, t.table, unguarded(List.of(a)), oldShape, "")));
                sql.add(trigger(UPDATE_OLD + n, "BEFORE UPDATE OF " + Sql.ids(inputs), table, OLD_SHAPE_WRITE, fn));
            }
        }
        // A new-shape UPDATE feeds an old column only when a column its down reads changed value: a down
        // that reads nothing (a constant for a dropped column) must not overwrite the old shape's value
        // on every unrelated write. Values are compared by their binary image, which every type has.
        List<Guarded> changed = new ArrayList<>();
        for (Assignment a : downs) {
            List<String> inputs = inputs(a.expression(), t.newShape);
            if (!inputs.isEmpty()) {
                changed.add(new Guarded(a, "NOT (" + image("NEW", inputs) + " *= " + image("OLD", inputs) + ")"));
            }
        }
        String updateNew = function(migrationId, t.table, "update_new");
        sql.add(function(updateNew, body(schema, t.table, changed, t.newShape, clearVia.toString())));
        sql.add(trigger(UPDATE_NEW, "BEFORE UPDATE", table, NEW_SHAPE_WRITE, updateNew));
        for (String name : names(t).triggers()) {
            sql.add("ALTER TABLE " + table + " ENABLE ALWAYS TRIGGER " + Sql.id(name));
        }
        return String.join(";\n", sql);
    }

    /**
     * A trigger function body that sets each target still NULL from its expression over the old shape
     * of NEW, and returns NEW: what one backfill batch does to the row.
     */
    static String fillUnsetBody(String schema, TableChange t, List<Assignment> assignments) {
        List<Guarded> guarded = assignments.stream()
                .map(a -> new Guarded(a, "NEW." + Sql.id(a.target()) + " IS NULL"))
                .toList();
        return body(schema, t.table, guarded, oldShape(t), "");
    }

    /** A CREATE FUNCTION statement for a trigger function with this body. */
    static String triggerFunction(String name, String body) {
        return function(name, body);
    }

    private static String image(String record, List<String> columns) {
        return "ROW("
                + String.join(
                        ", ",
                        columns.stream().map(c -> record + "." + Sql.id(c)).toList()) + ")::record";
    }

    private static String trigger(String name, String event, String table, String when, String function) {
        return "CREATE TRIGGER " + Sql.id(name) + " " + event + " ON " + table + " FOR EACH ROW WHEN (" + when
                + ") EXECUTE FUNCTION " + function + "()";
    }

    private static String function(String name, String body) {
        return "CREATE FUNCTION " + name + "() RETURNS trigger LANGUAGE plpgsql AS "
                + Sql.dollarQuoted("\nBEGIN\n" + body + "\nEND\n");
    }

    /** An assignment made only when its condition (over NEW and OLD, physical names) holds; null: always. */
    private record Guarded(Assignment assignment, String condition) {}

    private static List<Guarded> unguarded(List<Assignment> assignments) {
        return assignments.stream().map(a -> new Guarded(a, null)).toList();
    }

    /**
     * Assigns every target whose condition holds, runs {@code epilogue}, and returns the row. The
     * cheapest body reads NEW's fields directly; variables named as in the shape are the fallback for
     * expressions whose column names the tokenizer cannot place with certainty.
     */
    private static String body(
            String schema, String table, List<Guarded> assignments, Map<String, String> shape, String epilogue) {
        StringBuilder direct = new StringBuilder();
        for (Guarded g : assignments) {
            Optional<String> onNew = Sql.onRecord(g.assignment().expression(), "NEW", shape);
            if (onNew.isEmpty()) {
                direct = null;
                break;
            }
            direct.append(assign(g, onNew.get(), "  "));
        }
        if (direct != null) {
            return direct + epilogue + "  RETURN NEW;";
        }
        StringBuilder b = new StringBuilder(declare(schema, table, assignments, shape));
        b.append("    BEGIN\n");
        for (Guarded g : assignments) {
            b.append(assign(g, g.assignment().expression(), "      "));
        }
        b.append("    END;\n").append(epilogue).append("  RETURN NEW;");
        return b.toString();
    }

    private static String assign(Guarded g, String expression, String indent) {
        String set = "NEW." + Sql.id(g.assignment().target()) + " := (" + expression + ");\n";
        return g.condition() == null
                ? indent + set
                : indent + "IF " + g.condition() + " THEN\n" + indent + "  " + set + indent + "END IF;\n";
    }

    /** A DECLARE section binding each column the expressions read (as named in the shape) to NEW's value. */
    private static String declare(String schema, String table, List<Guarded> assignments, Map<String, String> shape) {
        Map<String, String> used = new LinkedHashMap<>();
        for (Guarded g : assignments) {
            for (String name : Sql.identifiers(g.assignment().expression())) {
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

    static String drop(String schema, TableChange t) {
        String table = Sql.id(schema, t.table);
        return String.join(
                ";\n",
                names(t).triggers().stream()
                        .map(name -> "DROP TRIGGER IF EXISTS " + Sql.id(name) + " ON " + table)
                        .toList());
    }

    static String dropFunctions(String migrationId, TableChange t) {
        return String.join(
                ";\n",
                names(t).purposes().stream()
                        .map(p -> "DROP FUNCTION IF EXISTS " + function(migrationId, t.table, p) + "()")
                        .toList());
    }
}
