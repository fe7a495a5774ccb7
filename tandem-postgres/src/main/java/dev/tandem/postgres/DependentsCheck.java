package dev.tandem.postgres;

import dev.tandem.core.Operation;
import dev.tandem.core.Problem;
import dev.tandem.core.SourceLocation;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds the objects that would make {@code complete} fail after the whole backfill: views,
 * materialized views, generated columns, policies, rules, triggers, foreign keys and SQL-standard
 * function bodies that depend on a column the migration drops, or replaces with a changed copy (the
 * original column is dropped at complete, and PostgreSQL cannot move a dependent object to the copy),
 * or on a table the migration drops. PostgreSQL records these as normal dependencies in {@code
 * pg_depend} and refuses the DROP while they exist; automatic ones (the table's own indexes and
 * constraints, which tandem rebuilds on a copy) go with the column and are not reported.
 *
 * <p>A rename is not checked: PostgreSQL tracks columns and tables by number, so dependent objects
 * follow it.
 */
final class DependentsCheck {
    private final Connection c;
    private final ShapeModel model;
    private final List<Problem> problems = new ArrayList<>();
    private final Set<String> checked = new HashSet<>();

    private DependentsCheck(Connection c, ShapeModel model) {
        this.c = c;
        this.model = model;
    }

    /** Every dependent object that would stop {@code complete}, one problem each, at its operation. */
    static List<Problem> check(Connection c, ShapeModel model) throws SQLException {
        DependentsCheck check = new DependentsCheck(c, model);
        for (Operation op : model.migration.operations()) {
            check.operation(op);
        }
        return check.problems;
    }

    private void operation(Operation op) throws SQLException {
        TableChange t = model.tableOf(op);
        if (t == null || t.isNew()) {
            return;
        }
        switch (op) {
            case Operation.DropTable ignored when t.dropped -> table(op, t);
            case Operation.DropColumn dc
            when t.droppedColumns.stream().anyMatch(d -> d.column().equals(dc.column())) ->
                column(op, t, dc.column(), "drops", true);
            case Operation.AlterColumn al
            when copied(t, al.column()) ->
                column(op, t, al.column(), "replaces with its changed copy at complete", false);
            case Operation.CreateConstraint cc -> {
                for (String column : cc.up().keySet()) {
                    if (copied(t, column)) {
                        column(op, t, column, "replaces with its checked copy at complete", false);
                    }
                }
            }
            default -> {}
        }
    }

    private static boolean copied(TableChange t, String column) {
        return t.copies.stream().anyMatch(k -> k.column().equals(column));
    }

    /**
     * A column the migration removes at complete. Incoming foreign keys are reported for a drop only:
     * the shape model already refuses a copy of a referenced column.
     */
    private void column(Operation op, TableChange t, String column, String fate, boolean foreignKeys)
            throws SQLException {
        if (!checked.add(t.table + "." + column)) {
            return;
        }
        String what = model.migration.schema() + "." + t.table + "." + column;
        try (PreparedStatement ps = c.prepareStatement(describe(COLUMN))) {
            ps.setString(1, column);
            ps.setString(2, model.migration.schema());
            ps.setString(3, t.table);
            report(ps, op.location(), what, fate, foreignKeys);
        }
    }

    /** A table the migration drops at complete, with its partitions; the shape model reports incoming foreign keys. */
    private void table(Operation op, TableChange t) throws SQLException {
        String what = "table " + model.migration.schema() + "." + t.table;
        try (PreparedStatement ps = c.prepareStatement(describe(TABLE))) {
            ps.setString(1, model.migration.schema());
            ps.setString(2, t.table);
            report(ps, op.location(), what, "drops", false);
        }
    }

    private void report(PreparedStatement ps, SourceLocation at, String what, String fate, boolean foreignKeys)
            throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String kind = rs.getString("kind");
                if (kind.equals("foreign key") && !foreignKeys) {
                    continue;
                }
                problems.add(new Problem(
                        at,
                        kind + " " + rs.getString("name") + " depends on " + what + ", which this migration " + fate
                                + ", so complete would fail after the whole backfill. Drop or change the " + kind
                                + " first, in a migration of its own, and create it again after complete"));
            }
        }
    }

    private static String describe(String targets) {
        return DESCRIBE.replace("%TARGETS%", targets);
    }

    /**
     * The column in the table and in each of its partitions (a DROP COLUMN on a partitioned table
     * recurses). Parameters: column, schema, table.
     */
    private static final String COLUMN = """
            target AS (
              SELECT 'pg_class'::regclass AS refclassid, a.attrelid AS refobjid, a.attnum::int AS refobjsubid
              FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace
              CROSS JOIN LATERAL (SELECT c.oid AS relid UNION SELECT relid FROM pg_partition_tree(c.oid)) p
              JOIN pg_attribute a ON a.attrelid = p.relid AND a.attname = ? AND NOT a.attisdropped
              WHERE n.nspname = ? AND c.relname = ?
            ),
            owned AS (SELECT NULL::oid AS relid WHERE false)
            """;

    /**
     * The table, its partitions and their row types, at any column; objects that belong to one of them
     * go with the table. Parameters: schema, table.
     */
    private static final String TABLE = """
            owned AS (
              SELECT p.relid, r.reltype
              FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace
              CROSS JOIN LATERAL (SELECT c.oid AS relid UNION SELECT relid FROM pg_partition_tree(c.oid)) p
              JOIN pg_class r ON r.oid = p.relid
              WHERE n.nspname = ? AND c.relname = ?
            ),
            target AS (
              SELECT 'pg_class'::regclass AS refclassid, relid AS refobjid, NULL::int AS refobjsubid FROM owned
              UNION ALL
              SELECT 'pg_type'::regclass, reltype, NULL FROM owned
            )
            """;

    /**
     * Normal dependencies on the targets, each named by its kind and qualified name. An object that
     * also depends automatically on a target (a check constraint of the table on the column, say) is
     * dropped with it, and does not count. Tandem's own
     * triggers, the internal triggers of foreign keys, and the clones a partitioned table's triggers
     * and foreign keys leave on its partitions are left out: the first go before complete, the others
     * with their parent object.
     */
    private static final String DESCRIBE = """
            WITH %TARGETS%,
            dep AS (
              SELECT d.classid, d.objid
              FROM pg_depend d
              JOIN target t ON d.refclassid = t.refclassid AND d.refobjid = t.refobjid
                            AND (t.refobjsubid IS NULL OR d.refobjsubid = t.refobjsubid)
              GROUP BY d.classid, d.objid
              HAVING bool_or(d.deptype = 'n') AND NOT bool_or(d.deptype IN ('a', 'i'))
            ),
            described AS (
              SELECT
                CASE
                  WHEN r.oid IS NOT NULL AND r.rulename = '_RETURN' AND oc.relkind = 'm' THEN 'materialized view'
                  WHEN r.oid IS NOT NULL AND r.rulename = '_RETURN' THEN 'view'
                  WHEN r.oid IS NOT NULL THEN 'rule'
                  WHEN tg.oid IS NOT NULL THEN 'trigger'
                  WHEN pol.oid IS NOT NULL THEN 'policy'
                  WHEN ad.oid IS NOT NULL AND ga.attgenerated <> '' THEN 'generated column'
                  WHEN ad.oid IS NOT NULL THEN 'default of column'
                  WHEN k.oid IS NOT NULL AND k.contype = 'f' THEN 'foreign key'
                  WHEN k.oid IS NOT NULL THEN 'constraint'
                  WHEN p.oid IS NOT NULL AND p.prokind = 'p' THEN 'procedure'
                  WHEN p.oid IS NOT NULL THEN 'function'
                  WHEN dc.oid IS NOT NULL AND dc.relkind IN ('r', 'p') THEN 'table'
                  ELSE 'object'
                END AS kind,
                CASE
                  WHEN r.oid IS NOT NULL AND r.rulename = '_RETURN' THEN format('%I.%I', os.nspname, oc.relname)
                  WHEN ad.oid IS NOT NULL THEN format('%I.%I.%I', os.nspname, oc.relname, ga.attname)
                  WHEN oc.oid IS NOT NULL
                    THEN format('%I on %I.%I', coalesce(r.rulename, tg.tgname, pol.polname, k.conname), os.nspname, oc.relname)
                  WHEN p.oid IS NOT NULL
                    THEN format('%I.%I(%s)', pn.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
                  WHEN dc.oid IS NOT NULL THEN format('%I.%I', dn.nspname, dc.relname)
                  ELSE pg_describe_object(dep.classid, dep.objid, 0)
                END AS name,
                coalesce(oc.oid, dc.oid) AS relid
              FROM dep
              LEFT JOIN pg_rewrite r ON dep.classid = 'pg_rewrite'::regclass AND r.oid = dep.objid
              LEFT JOIN pg_trigger tg ON dep.classid = 'pg_trigger'::regclass AND tg.oid = dep.objid
              LEFT JOIN pg_policy pol ON dep.classid = 'pg_policy'::regclass AND pol.oid = dep.objid
              LEFT JOIN pg_attrdef ad ON dep.classid = 'pg_attrdef'::regclass AND ad.oid = dep.objid
              LEFT JOIN pg_attribute ga ON ga.attrelid = ad.adrelid AND ga.attnum = ad.adnum
              LEFT JOIN pg_constraint k ON dep.classid = 'pg_constraint'::regclass AND k.oid = dep.objid
              LEFT JOIN pg_proc p ON dep.classid = 'pg_proc'::regclass AND p.oid = dep.objid
              LEFT JOIN pg_namespace pn ON pn.oid = p.pronamespace
              LEFT JOIN pg_class dc ON dep.classid = 'pg_class'::regclass AND dc.oid = dep.objid
              LEFT JOIN pg_namespace dn ON dn.oid = dc.relnamespace
              LEFT JOIN pg_class oc
                ON oc.oid = coalesce(r.ev_class, tg.tgrelid, pol.polrelid, ad.adrelid, nullif(k.conrelid, 0))
              LEFT JOIN pg_namespace os ON os.oid = oc.relnamespace
              WHERE (tg.oid IS NULL
                     OR (NOT tg.tgisinternal AND tg.tgparentid = 0
                         AND tg.tgname NOT LIKE '~tandem\\_sync\\_%' AND tg.tgname NOT LIKE '\\_tandem\\_%'))
                AND (k.oid IS NULL OR k.conparentid = 0)
            )
            SELECT DISTINCT kind, name FROM described
            WHERE relid IS NULL OR relid NOT IN (SELECT relid FROM owned)
            ORDER BY kind, name
            """;
}
