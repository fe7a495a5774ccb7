package dev.tandem.postgres;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The INSTEAD OF triggers that carry out writes made through the new shape's view of a synced table.
 * They write the same row to the table, marked with {@link SyncTrigger#VIA}, so the table's triggers
 * know, from the relation written and nothing else, that the write came through the new shape.
 *
 * <p>A view with INSTEAD OF triggers does not re-read a row that a concurrent transaction changed
 * after the statement read it (PostgreSQL's READ COMMITTED re-check applies only to tables). So an
 * UPDATE or DELETE through the view first checks that the row is still exactly what the statement
 * read, and when another transaction changed it in the meantime, fails with a serialization failure
 * (SQLSTATE 40001) that the client retries, as it would under REPEATABLE READ. It never writes values
 * computed from a stale row, so a concurrent {@code qty = qty + 1} is never lost. A row deleted in
 * the meantime is skipped, as on a table.
 *
 * <p>The view's columns get the table's defaults, so an INSERT that leaves a column out gets what it
 * would get from the table.
 */
final class NewShapeWrites {
    private NewShapeWrites() {}

    /** One column of the view: its new-shape name, its physical column, and what the table knows of it. */
    private record ViewColumn(String name, String physical, String defaultExpr, boolean generated, boolean always) {}

    private static List<ViewColumn> columns(TableChange t) {
        List<ViewColumn> columns = new ArrayList<>();
        for (Map.Entry<String, String> e : t.newShape.entrySet()) {
            String physical = e.getValue();
            String def = null;
            boolean generated = false;
            boolean always = false;
            var existing = t.existing.column(physical);
            if (existing.isPresent()) {
                Catalog.Column c = existing.get();
                generated = c.generated();
                always = c.identityAlways();
                String sequence = t.existing.ownedSequences().get(physical);
                // A generated column's expression is in pg_attrdef too, but it is no default: the table computes it.
                def = c.generated()
                        ? null
                        : c.identity() && sequence != null
                                ? "nextval(" + Sql.literal(sequence) + "::regclass)"
                                : c.defaultExpr();
            }
            for (TableChange.Added a : t.added) {
                if (a.spec().name().equals(physical)) {
                    def = a.spec().defaultValue();
                }
            }
            for (TableChange.Copy c : t.copies) {
                if (c.copy().equals(physical)) {
                    def = c.defaultExpr();
                }
            }
            columns.add(new ViewColumn(e.getKey(), physical, def, generated, always));
        }
        return columns;
    }

    /** The view's defaults, its INSTEAD OF functions (in the version schema) and their triggers. */
    static String create(String schema, String versionSchema, TableChange t) {
        String view = Sql.id(versionSchema, t.finalName());
        String table = Sql.id(schema, t.table) + " AS t";
        List<ViewColumn> columns = columns(t);
        List<String> sql = new ArrayList<>();
        for (ViewColumn c : columns) {
            if (c.defaultExpr() != null) {
                sql.add("ALTER VIEW " + view + " ALTER COLUMN " + Sql.id(c.name()) + " SET DEFAULT " + c.defaultExpr());
            }
        }
        List<ViewColumn> written = columns.stream().filter(c -> !c.generated()).toList();
        List<ViewColumn> settable = written.stream().filter(c -> !c.always()).toList();
        String returning = "\n  RETURNING "
                + String.join(
                        ", ",
                        columns.stream().map(c -> "t." + Sql.id(c.physical())).toList()) + " INTO NEW;\n";
        String key = key(t);
        String unchanged = "ROW("
                + String.join(
                        ", ",
                        columns.stream().map(c -> "t." + Sql.id(c.physical())).toList())
                + ")::record *= ROW("
                + String.join(
                        ", ",
                        columns.stream().map(c -> "OLD." + Sql.id(c.name())).toList())
                + ")::record";
        String rowName = Sql.literal(schema + "." + t.table);
        String changedMeanwhile = "  PERFORM FROM " + table + " WHERE " + key + ";\n"
                + "  IF NOT FOUND THEN\n    RETURN NULL;\n  END IF;\n"
                + "  RAISE EXCEPTION 'could not serialize access due to concurrent update'\n"
                + "    USING ERRCODE = 'serialization_failure',\n"
                + "          DETAIL = format('a row of %s changed after this statement read it through the new shape', "
                + rowName + "),\n"
                + "          HINT = 'Retry the transaction.';\n";

        String insert = "  INSERT INTO " + table + " (" + physicalList(written) + ", " + Sql.id(SyncTrigger.VIA) + ")"
                + (columns.stream().anyMatch(ViewColumn::always) ? " OVERRIDING SYSTEM VALUE" : "")
                + "\n  VALUES ("
                + String.join(
                        ", ",
                        written.stream().map(c -> "NEW." + Sql.id(c.name())).toList())
                + ", true)" + returning + "  RETURN NEW;\n";
        StringBuilder update = new StringBuilder();
        for (ViewColumn c : written) {
            if (c.always()) {
                // The table refuses any value but DEFAULT for a GENERATED ALWAYS identity; so does its view.
                update.append("  IF NEW.")
                        .append(Sql.id(c.name()))
                        .append(" IS DISTINCT FROM OLD.")
                        .append(Sql.id(c.name()))
                        .append(" THEN\n    RAISE EXCEPTION 'column \"%\" can only be updated to DEFAULT', ")
                        .append(Sql.literal(c.name()))
                        .append(" USING ERRCODE = 'generated_always';\n  END IF;\n");
            }
        }
        update.append("  UPDATE ")
                .append(table)
                .append(" SET ")
                .append(String.join(
                        ", ",
                        settable.stream()
                                .map(c -> Sql.id(c.physical()) + " = NEW." + Sql.id(c.name()))
                                .toList()))
                .append(", ")
                .append(Sql.id(SyncTrigger.VIA))
                .append(" = true\n  WHERE ")
                .append(key)
                .append(" AND ")
                .append(unchanged)
                .append(returning)
                .append("  IF FOUND THEN\n    RETURN NEW;\n  END IF;\n")
                .append(changedMeanwhile);
        String delete = "  DELETE FROM " + table + " WHERE " + key + " AND " + unchanged + ";\n"
                + "  IF FOUND THEN\n    RETURN OLD;\n  END IF;\n" + changedMeanwhile;

        for (String[] op : new String[][] {{"insert", insert}, {"update", update.toString()}, {"delete", delete}}) {
            String fn = Sql.id(versionSchema, Sql.shortName("tandem_" + op[0] + "_" + t.finalName()));
            sql.add("CREATE FUNCTION " + fn + "() RETURNS trigger LANGUAGE plpgsql AS "
                    + Sql.dollarQuoted("\nBEGIN\n" + op[1] + "END\n"));
            sql.add("CREATE TRIGGER " + Sql.id("tandem_" + op[0]) + " INSTEAD OF " + op[0].toUpperCase() + " ON " + view
                    + " FOR EACH ROW EXECUTE FUNCTION " + fn + "()");
        }
        sql.add(fireAlways(view));
        return String.join(";\n", sql);
    }

    /**
     * PostgreSQL skips a view's INSTEAD OF triggers for writers with session_replication_role =
     * replica, and then reports the write as done without making it; ALTER TABLE cannot make a view's
     * trigger ENABLE ALWAYS. A superuser can, in the catalog: the only way there is.
     */
    static String fireAlways(String view) {
        return "DO " + Sql.dollarQuoted("""

                BEGIN
                  IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
                    UPDATE pg_catalog.pg_trigger SET tgenabled = 'A' WHERE tgrelid = %s::regclass AND NOT tgisinternal;
                  END IF;
                END
                """.formatted(Sql.literal(view)));
    }

    private static String physicalList(List<ViewColumn> columns) {
        return String.join(", ", columns.stream().map(c -> Sql.id(c.physical())).toList());
    }

    /**
     * Finds the row by its row key ({@link #rowKey}), as the new shape names it (a copied key column is
     * found by its copy, which is kept equal to it and has the key's unique index rebuilt on it before
     * the new shape is served). The key narrows the search to one row at any moment; the statement then
     * also requires the whole row to be what it read ({@code unchanged}).
     */
    private static String key(TableChange t) {
        List<String> physical = new ArrayList<>();
        List<String> viewNames = new ArrayList<>();
        for (String k : rowKey(t).orElseThrow()) {
            String name = t.newName(k);
            viewNames.add("OLD." + Sql.id(name));
            physical.add("t." + Sql.id(t.physical(name)));
        }
        return "(" + String.join(", ", physical) + ") = (" + String.join(", ", viewNames) + ")";
    }

    /**
     * The columns (physical, as the table has them at start) by which a write through the new shape
     * finds its row: the primary key; else a unique key over NOT NULL columns ({@link
     * Catalog.Table#rowKeys()}) that this migration does not drop a column of, one it does not copy
     * preferred. Empty when the table has none: then the new shape of a synced table cannot be served,
     * and {@link ShapeModel} refuses it.
     */
    static Optional<List<String>> rowKey(TableChange t) {
        if (!t.existing.primaryKey().isEmpty()) {
            return Optional.of(t.existing.primaryKey());
        }
        List<List<String>> kept = t.existing.rowKeys().stream()
                .map(Catalog.UniqueKey::columns)
                .filter(columns -> columns.stream().noneMatch(c -> t.droppedColumns.stream()
                        .anyMatch(d -> d.column().equals(c))))
                .toList();
        return kept.stream()
                .filter(columns -> columns.stream().noneMatch(c -> t.copies.stream()
                        .anyMatch(copy -> copy.column().equals(c))))
                .findFirst()
                .or(() -> kept.stream().findFirst());
    }
}
