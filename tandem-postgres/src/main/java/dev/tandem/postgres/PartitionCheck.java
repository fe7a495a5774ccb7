package dev.tandem.postgres;

import dev.tandem.core.ConstraintType;
import dev.tandem.core.Operation;
import dev.tandem.core.Problem;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Refuses at {@code plan} and {@code start} the operations on partitioned tables and their partitions
 * that PostgreSQL would stop later, leaving a migration stuck after its backfill:
 *
 * <ul>
 *   <li>an index built concurrently on a partitioned table ({@code create_index}, {@code unique}, a
 *       unique constraint, or an index rebuilt on the copy of a changed column), which PostgreSQL
 *       refuses; and a unique constraint added {@code USING INDEX}, which it refuses too;
 *   <li>a foreign key added {@code NOT VALID} to a partitioned table, before PostgreSQL 18;
 *   <li>a drop of a partition key column, directly or when a copy replaces it at complete;
 *   <li>{@code drop_index} of a partitioned index or of one of its partitions, which cannot be
 *       dropped concurrently, or alone;
 *   <li>a change to the columns of a partition, which are its partitioned table's.
 * </ul>
 *
 * Adding, dropping, renaming and changing other columns works: the sync triggers on the parent fire
 * for every partition, and the backfill walks the parent's primary key.
 */
final class PartitionCheck {
    /** What partitioning means for one table: null root unless it is a partition. */
    private record Partitioning(boolean partitioned, String root, Set<String> keyColumns) {}

    private final Connection c;
    private final ShapeModel model;
    private final String schema;
    private final List<Problem> problems = new ArrayList<>();
    private final Map<String, Partitioning> tables = new HashMap<>();

    private PartitionCheck(Connection c, ShapeModel model) {
        this.c = c;
        this.model = model;
        this.schema = model.migration.schema();
    }

    static List<Problem> check(Connection c, ShapeModel model) throws SQLException {
        PartitionCheck check = new PartitionCheck(c, model);
        for (Operation op : model.migration.operations()) {
            check.operation(op);
        }
        return check.problems;
    }

    private void operation(Operation op) throws SQLException {
        if (op instanceof Operation.DropIndex di) {
            dropIndex(di);
            return;
        }
        TableChange t = model.tableOf(op);
        if (t == null || t.isNew()) {
            return;
        }
        Partitioning p = partitioning(t.table);
        if (p.root() != null
                && (op instanceof Operation.AddColumn
                        || op instanceof Operation.DropColumn
                        || op instanceof Operation.RenameColumn
                        || op instanceof Operation.AlterColumn
                        || (op instanceof Operation.CreateConstraint cc
                                && !cc.up().isEmpty()))) {
            problem(
                    op,
                    "table " + qualified(t.table) + " is a partition of " + p.root()
                            + ", and a partition's columns are its partitioned table's: change " + p.root()
                            + " instead, which changes every partition");
            return;
        }
        if (!p.partitioned()) {
            return;
        }
        switch (op) {
            case Operation.CreateIndex ignored -> concurrentIndex(op, t, "create_index");
            case Operation.AddColumn ac -> {
                if (ac.column().unique()) {
                    concurrentIndex(op, t, "a unique column");
                }
                if (ac.column().references() != null) {
                    foreignKey(op, t);
                }
            }
            case Operation.DropColumn dc -> partitionKey(op, t, p, dc.column(), "drops it");
            case Operation.AlterColumn al -> copy(op, t, p, al.column());
            case Operation.CreateConstraint cc -> {
                cc.up().keySet().forEach(column -> copy(op, t, p, column));
                if (cc.type() == ConstraintType.UNIQUE) {
                    concurrentIndex(op, t, "a unique constraint");
                } else if (cc.type() == ConstraintType.FOREIGN_KEY) {
                    foreignKey(op, t);
                }
            }
            default -> {}
        }
    }

    /** A column replaced at complete by a copy: its indexes and foreign keys are rebuilt on the copy. */
    private void copy(Operation op, TableChange t, Partitioning p, String column) {
        TableChange.Copy copy = t.copies.stream()
                .filter(k -> k.column().equals(column))
                .findFirst()
                .orElse(null);
        if (copy == null) {
            return;
        }
        if (partitionKey(op, t, p, column, "replaces it with a changed copy at complete")) {
            return;
        }
        List<String> indexes = t.existing.indexes().stream()
                .filter(i -> i.columns().contains(column))
                .map(Catalog.Index::name)
                .toList();
        if (!indexes.isEmpty()) {
            concurrentIndex(
                    op,
                    t,
                    "the copy of column " + column + " (its index " + String.join(", ", indexes)
                            + " is rebuilt on the copy)");
        } else if (copy.unique()) {
            concurrentIndex(op, t, "a unique column");
        }
        if (copy.references() != null
                || t.existing.constraints().stream()
                        .anyMatch(k -> k.type() == 'f' && k.columns().contains(column))) {
            foreignKey(op, t);
        }
    }

    private boolean partitionKey(Operation op, TableChange t, Partitioning p, String column, String fate) {
        if (!p.keyColumns().contains(column)) {
            return false;
        }
        problem(
                op,
                "column " + qualified(t.table) + "." + column + " is part of the partition key of "
                        + qualified(t.table) + ", and this migration " + fate
                        + "; PostgreSQL cannot drop a partition key column, so complete would fail."
                        + " Leave the column as it is, or move the rows to a table partitioned another way");
        return true;
    }

    private void concurrentIndex(Operation op, TableChange t, String what) {
        problem(
                op,
                "table " + qualified(t.table) + " is partitioned, and " + what
                        + " needs an index built concurrently, which PostgreSQL cannot do on a partitioned table;"
                        + " the migration would stop after the backfill. tandem does not support this on partitioned"
                        + " tables yet: build the index by hand, as the PostgreSQL documentation describes"
                        + " (CREATE INDEX ... ON ONLY the table, CREATE INDEX CONCURRENTLY on each partition, then"
                        + " ALTER INDEX ... ATTACH PARTITION), outside this migration");
    }

    private void foreignKey(Operation op, TableChange t) {
        if (model.catalog.serverVersion() >= 180000) {
            return;
        }
        problem(
                op,
                "table " + qualified(t.table) + " is partitioned, and PostgreSQL before 18 cannot add a foreign key"
                        + " NOT VALID to a partitioned table, which is how tandem adds one without blocking writes;"
                        + " add the foreign key outside this migration, or upgrade PostgreSQL first");
    }

    private void dropIndex(Operation.DropIndex di) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INDEX)) {
            ps.setString(1, schema);
            ps.setString(2, di.name());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return;
                }
                if (rs.getString("parent") != null) {
                    problem(
                            di,
                            "index " + qualified(di.name()) + " is a partition of index " + rs.getString("parent")
                                    + " and cannot be dropped alone, so complete would fail; drop "
                                    + rs.getString("parent") + " instead");
                } else if (rs.getBoolean("partitioned")) {
                    problem(
                            di,
                            "index " + qualified(di.name()) + " is on a partitioned table, and PostgreSQL cannot drop"
                                    + " it concurrently, so complete would fail; drop it outside this migration");
                }
            }
        }
    }

    private Partitioning partitioning(String table) throws SQLException {
        Partitioning known = tables.get(table);
        if (known != null) {
            return known;
        }
        try (PreparedStatement ps = c.prepareStatement(TABLE)) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                Partitioning p = rs.next()
                        ? new Partitioning(
                                rs.getBoolean("partitioned"), rs.getString("root"), new TreeSet<>(Arrays.asList((String
                                                [])
                                        rs.getArray("keys").getArray())))
                        : new Partitioning(false, null, Set.of());
                tables.put(table, p);
                return p;
            }
        }
    }

    private void problem(Operation op, String message) {
        problems.add(new Problem(op.location(), message));
    }

    private String qualified(String name) {
        return schema + "." + name;
    }

    /**
     * Whether the table is partitioned; its root when it is a partition; and the columns in the
     * partition key of it or of any partition below it (a DROP COLUMN recurses), by column number or
     * inside a key expression. Parameters: schema, table.
     */
    private static final String TABLE = """
            SELECT c.relkind = 'p' AS partitioned,
                   CASE WHEN c.relispartition
                        THEN (SELECT format('%I.%I', rn.nspname, rc.relname) FROM pg_class rc
                              JOIN pg_namespace rn ON rn.oid = rc.relnamespace
                              WHERE rc.oid = pg_partition_root(c.oid)) END AS root,
                   ARRAY(SELECT DISTINCT a.attname::text
                         FROM pg_partition_tree(c.oid) p
                         JOIN pg_partitioned_table pt ON pt.partrelid = p.relid
                         JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum > 0
                         WHERE a.attnum = ANY (pt.partattrs::int2[])
                            OR EXISTS (SELECT 1 FROM pg_depend d
                                       WHERE d.classid = 'pg_class'::regclass AND d.objid = pt.partrelid
                                         AND d.objsubid = a.attnum AND d.refclassid = 'pg_class'::regclass
                                         AND d.refobjid = pt.partrelid AND d.refobjsubid = 0
                                         AND d.deptype = 'i')) AS keys
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ? AND c.relname = ?
            """;

    /** Whether the index is partitioned, and the index it is a partition of. Parameters: schema, index. */
    private static final String INDEX = """
            SELECT i.relkind = 'I' AS partitioned,
                   (SELECT format('%I.%I', pn.nspname, pc.relname) FROM pg_inherits h
                    JOIN pg_class pc ON pc.oid = h.inhparent
                    JOIN pg_namespace pn ON pn.oid = pc.relnamespace
                    WHERE h.inhrelid = i.oid) AS parent
            FROM pg_class i JOIN pg_namespace n ON n.oid = i.relnamespace
            WHERE n.nspname = ? AND i.relname = ? AND i.relkind IN ('i', 'I')
            """;
}
