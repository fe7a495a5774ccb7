package dev.tandem.postgres;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The triggers that keep the two shapes of one table equal while both are live. A write through the
 * new shape (the version schema first on {@code search_path}) feeds the old columns with each
 * {@code down}; any other write feeds the new columns with each {@code up}.
 *
 * <p>Cheap by construction: the owner's expressions are compiled into the PL/pgSQL function (no
 * dynamic SQL), the columns they read are bound to local variables of the column's own type, and an
 * UPDATE that changes no column an expression reads never calls the function at all (the trigger's
 * WHEN clause filters it in C).
 */
final class SyncTrigger {
    static final String INSERT_TRIGGER = "_tandem_sync_insert";
    static final String UPDATE_TRIGGER = "_tandem_sync_update";

    private SyncTrigger() {}

    /** An assignment {@code target := expression}, where the expression reads columns by shape names. */
    record Assignment(String target, String expression) {}

    static String functionName(String migrationId, String table) {
        return Sql.shortName("sync_" + migrationId + "_" + table);
    }

    /** CREATE FUNCTION and CREATE TRIGGER statements for one table. */
    static String create(String schema, String versionSchema, String migrationId, TableChange t) {
        Map<String, String> oldShape = new LinkedHashMap<>();
        t.existing.columns().forEach(c -> oldShape.put(c.name(), c.name()));
        List<Assignment> up = new ArrayList<>();
        t.added.stream().filter(a -> a.up() != null).forEach(a -> up.add(new Assignment(a.spec().name(), a.up())));
        t.copies.forEach(c -> up.add(new Assignment(c.copy(), c.up())));
        List<Assignment> down = new ArrayList<>();
        t.droppedColumns.stream().filter(d -> d.down() != null).forEach(d -> down.add(new Assignment(d.column(), d.down())));
        t.copies.forEach(c -> down.add(new Assignment(c.column(), c.down() != null ? c.down() : Sql.id(c.finalName()))));

        String table = Sql.id(schema, t.table);
        String fn = Sql.id("tandem", functionName(migrationId, t.table));
        Set<String> newSources = new LinkedHashSet<>();
        Set<String> oldSources = new LinkedHashSet<>();
        String newBranch = branch(schema, t.table, down, t.newShape, newSources);
        String oldBranch = branch(schema, t.table, up, oldShape, oldSources);
        // An UPDATE reaches the function only when a column read by its own direction changed; the
        // backfill (old shape, writing only new columns) therefore never calls it.
        String whenChanged = "CASE WHEN (current_schemas(false))[1] = " + Sql.literal(versionSchema) + " THEN "
                + anyChanged(newSources) + " ELSE " + anyChanged(oldSources) + " END";
        return """
                CREATE FUNCTION %1$s() RETURNS trigger LANGUAGE plpgsql AS $tandem$
                BEGIN
                  IF (current_schemas(false))[1] = %2$s THEN
                    -- a write through the new shape: feed the old columns
                %3$s
                  ELSE
                    -- a write through the old shape: feed the new columns
                %4$s
                  END IF;
                  RETURN NEW;
                END
                $tandem$;
                CREATE TRIGGER %5$s BEFORE INSERT ON %6$s FOR EACH ROW EXECUTE FUNCTION %1$s();
                CREATE TRIGGER %7$s BEFORE UPDATE ON %6$s FOR EACH ROW WHEN (%8$s) EXECUTE FUNCTION %1$s()"""
                .formatted(fn, Sql.literal(versionSchema), newBranch, oldBranch, Sql.id(INSERT_TRIGGER), table,
                        Sql.id(UPDATE_TRIGGER), whenChanged);
    }

    private static String anyChanged(Set<String> columns) {
        return columns.isEmpty()
                ? "false"
                : "(" + String.join(" OR ", columns.stream().map(SyncTrigger::changed).toList()) + ")";
    }

    private static String changed(String physical) {
        return "OLD." + Sql.id(physical) + " IS DISTINCT FROM NEW." + Sql.id(physical);
    }

    static String drop(String schema, String migrationId, TableChange t) {
        String table = Sql.id(schema, t.table);
        return "DROP TRIGGER IF EXISTS " + Sql.id(INSERT_TRIGGER) + " ON " + table + ";\n"
                + "DROP TRIGGER IF EXISTS " + Sql.id(UPDATE_TRIGGER) + " ON " + table;
    }

    static String dropFunction(String migrationId, String table) {
        return "DROP FUNCTION IF EXISTS " + Sql.id("tandem", functionName(migrationId, table)) + "()";
    }

    /**
     * One direction: declare a variable per column the expressions read (named as in that shape,
     * typed as the physical column), then assign each target when its inputs changed.
     */
    private static String branch(
            String schema, String table, List<Assignment> assignments, Map<String, String> shape, Set<String> sources) {
        if (assignments.isEmpty()) {
            return "    NULL;";
        }
        Map<String, String> used = new LinkedHashMap<>();
        for (Assignment a : assignments) {
            for (String name : Sql.identifiers(a.expression())) {
                if (shape.containsKey(name)) {
                    used.put(name, shape.get(name));
                }
            }
        }
        sources.addAll(used.values());
        StringBuilder b = new StringBuilder();
        if (!used.isEmpty()) {
            b.append("    DECLARE\n");
            used.forEach((name, physical) -> b.append("      ")
                    .append(Sql.id(name)).append(' ')
                    .append(Sql.id(schema)).append('.').append(Sql.id(table)).append('.').append(Sql.id(physical))
                    .append("%TYPE := NEW.").append(Sql.id(physical)).append(";\n"));
        }
        b.append("    BEGIN\n");
        for (Assignment a : assignments) {
            List<String> inputs = Sql.identifiers(a.expression()).stream().filter(used::containsKey).map(used::get).distinct().toList();
            String condition = inputs.isEmpty()
                    ? "TG_OP = 'INSERT'"
                    : "TG_OP = 'INSERT' OR " + String.join(" OR ", inputs.stream().map(SyncTrigger::changed).toList());
            b.append("      IF ").append(condition).append(" THEN\n");
            b.append("        NEW.").append(Sql.id(a.target())).append(" := (").append(a.expression()).append(");\n");
            b.append("      END IF;\n");
        }
        b.append("    END;");
        return b.toString();
    }
}
