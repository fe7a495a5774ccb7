package dev.tandem.postgres;

import dev.tandem.core.ColumnSpec;
import dev.tandem.core.ConstraintType;
import dev.tandem.core.Migration;
import dev.tandem.core.Operation;
import dev.tandem.core.Problem;
import dev.tandem.core.SourceLocation;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A migration resolved against the live catalog: for every table it touches, the {@link TableChange}
 * that serves both shapes. Every problem (a missing table or column, a name already taken, a table
 * without a primary key) is collected; none stops the resolution early.
 */
final class ShapeModel {
    static final String COPY_PREFIX = "_tandem_new_";

    final Migration migration;
    final Catalog catalog;
    /** By the table's current name in the new shape. */
    private final Map<String, TableChange> byNewName = new LinkedHashMap<>();

    private final Map<Operation, TableChange> byOperation = new IdentityHashMap<>();
    private final List<TableChange> tables = new ArrayList<>();
    private final List<Problem> problems = new ArrayList<>();
    private final java.util.Set<String> constraintNamesGiven = new java.util.HashSet<>();

    private ShapeModel(Migration migration, Catalog catalog) {
        this.migration = migration;
        this.catalog = catalog;
    }

    static ShapeModel resolve(Migration migration, Catalog catalog) {
        ShapeModel model = new ShapeModel(migration, catalog);
        if (!catalog.schemaExists()) {
            model.problem(
                    SourceLocation.unknown(migration.source()), "schema '" + migration.schema() + "' does not exist");
            return model;
        }
        if (catalog.otherSchemas().contains(migration.versionSchema())) {
            model.problem(
                    SourceLocation.unknown(migration.source()),
                    "schema '" + migration.versionSchema()
                            + "' already exists; tandem needs that name for the new shape's views."
                            + " Drop it, or give the migration another id");
        }
        for (Operation op : migration.operations()) {
            model.apply(op);
        }
        model.renamesOfRebuiltConstraints();
        for (TableChange t : model.tables) {
            if (t.existing != null && t.existing.rowSecurity() && catalog.serverVersion() < 150000) {
                model.problem(
                        SourceLocation.unknown(migration.source()),
                        "table " + migration.schema() + "." + t.table
                                + " has row-level security, which PostgreSQL before 15 cannot apply through the new"
                                + " shape's views (they need security_invoker); upgrade PostgreSQL first");
            }
            // Writes through the new shape of a synced table find their row by a key (NewShapeWrites.rowKey).
            if (t.needsSync() && NewShapeWrites.rowKey(t).isEmpty()) {
                model.problem(
                        SourceLocation.unknown(migration.source()),
                        "table " + migration.schema() + "." + t.table
                                + (t.existing.rowKeys().isEmpty()
                                        ? " has no primary key and no unique index over NOT NULL columns"
                                        : " has no primary key, and this migration drops a column of each of its"
                                                + " unique keys")
                                + "; writes through the new shape find their row by one. Add a primary key first"
                                + " (or a unique index over NOT NULL columns: not partial, not on expressions,"
                                + " not deferrable), in a migration of its own");
                continue;
            }
            // Without a key the backfill walks the table in ctid ranges (BackfillBlockRanges): TID range scans.
            if (t.needsBackfill() && t.existing.backfillKey().isEmpty() && catalog.serverVersion() < 140000) {
                model.problem(
                        SourceLocation.unknown(migration.source()),
                        "table " + migration.schema() + "." + t.table
                                + " has no primary key and no unique index over NOT NULL columns; tandem backfills"
                                + " such a table in ctid ranges, which needs PostgreSQL 14 or later. Add a primary"
                                + " key first, or upgrade PostgreSQL");
            }
        }
        return model;
    }

    /**
     * A constraint on a column that goes through a copy is rebuilt on the copy and takes its old name
     * back at complete, so a rename in the same migration would be undone: refused, with the fix.
     */
    private void renamesOfRebuiltConstraints() {
        for (Operation op : migration.operations()) {
            if (op instanceof Operation.RenameConstraint rc
                    && tableOf(op) != null
                    && !tableOf(op).isNew()) {
                TableChange t = tableOf(op);
                boolean rebuilt = t.copies.isEmpty()
                        ? false
                        : CopyFidelity.constraints(t).stream()
                                        .anyMatch(k -> k.name().equals(rc.from()))
                                || CopyFidelity.indexes(t).stream()
                                        .anyMatch(i -> rc.from().equals(i.constraintName()));
                if (rebuilt) {
                    problem(
                            op.location(),
                            "constraint " + rc.from() + " of " + qualified(rc.table())
                                    + " covers a column this migration rebuilds through a copy, and takes its name"
                                    + " back at complete; rename it in a migration of its own");
                }
            }
        }
    }

    List<Problem> problems() {
        return problems;
    }

    List<TableChange> tables() {
        return tables;
    }

    TableChange tableOf(Operation op) {
        return byOperation.get(op);
    }

    private void problem(SourceLocation at, String message) {
        problems.add(new Problem(at, message));
    }

    private String qualified(String table) {
        return migration.schema() + "." + table;
    }

    /** The table an operation names, by its current name in the new shape, or null after a problem. */
    private TableChange table(Operation op, String name) {
        TableChange t = byNewName.get(name);
        if (t == null) {
            boolean renamedAway = tables.stream().anyMatch(c -> c.table.equals(name) && !c.isNew());
            if (catalog.table(name).isPresent() && !renamedAway) {
                t = new TableChange(name, catalog.table(name).get(), null);
                tables.add(t);
                byNewName.put(name, t);
            } else {
                problem(op.location(), "table " + qualified(name) + " does not exist");
                return null;
            }
        }
        if (t.dropped) {
            problem(op.location(), "table " + qualified(name) + " is dropped earlier in this migration");
            return null;
        }
        byOperation.put(op, t);
        return t;
    }

    private boolean requireColumn(Operation op, TableChange t, String column) {
        if (t.physical(column) == null) {
            problem(
                    op.location(),
                    "column " + qualified(t.table) + "." + column + " does not exist" + nearest(t, column));
            return false;
        }
        return true;
    }

    private static String nearest(TableChange t, String column) {
        return t.newShape.keySet().stream()
                .filter(c -> c.contains(column) || column.contains(c))
                .findFirst()
                .map(c -> "; did you mean '" + c + "'?")
                .orElse("");
    }

    private boolean requireFreeColumn(Operation op, TableChange t, String column) {
        if (t.physical(column) != null
                || (t.existing != null && t.existing.column(column).isPresent())) {
            problem(op.location(), "column " + qualified(t.table) + "." + column + " already exists");
            return false;
        }
        return true;
    }

    private boolean requireFreeTable(Operation op, String name) {
        if (catalog.relationExists(name) || byNewName.containsKey(name)) {
            problem(op.location(), "a table or index named " + qualified(name) + " already exists");
            return false;
        }
        return true;
    }

    private void apply(Operation op) {
        switch (op) {
            case Operation.CreateTable ct -> {
                if (requireFreeTable(op, ct.name())) {
                    constraintNames(ct).forEach(name -> requireFreeConstraintName(op, ct.name(), name));
                    TableChange t = new TableChange(ct.name(), null, ct);
                    tables.add(t);
                    byNewName.put(ct.name(), t);
                    byOperation.put(op, t);
                }
            }
            case Operation.DropTable dt -> {
                TableChange t = table(op, dt.name());
                if (t != null) {
                    if (t.isNew()) {
                        problem(
                                op.location(),
                                "table " + qualified(dt.name()) + " is created by this migration; do not drop it here");
                    } else if (!t.existing.incoming().isEmpty()) {
                        problem(
                                op.location(),
                                "table " + qualified(dt.name()) + " is referenced by foreign key "
                                        + t.existing.incoming().getFirst().name() + " on "
                                        + t.existing.incoming().getFirst().fromTable()
                                        + "; drop that constraint first");
                    } else {
                        t.dropped = true;
                        byNewName.remove(dt.name());
                    }
                }
            }
            case Operation.RenameTable rt -> {
                TableChange t = table(op, rt.from());
                if (t != null && requireFreeTable(op, rt.to())) {
                    if (t.isNew()) {
                        problem(
                                op.location(),
                                "table " + qualified(rt.from())
                                        + " is created by this migration; create it with its final name");
                    } else {
                        byNewName.remove(rt.from());
                        byNewName.put(rt.to(), t);
                        t.renamedTo = rt.to();
                    }
                }
            }
            case Operation.AddColumn ac -> {
                TableChange t = table(op, ac.table());
                if (t != null && requireFreeColumn(op, t, ac.column().name())) {
                    if (ac.column().primaryKey()) {
                        problem(
                                op.location(),
                                "add_column cannot add a primary key column; primary_key is only allowed in create_table");
                    }
                    if (t.isNew()) {
                        problem(
                                op.location(),
                                "table " + qualified(t.table)
                                        + " is created by this migration; declare its columns in create_table");
                        return;
                    }
                    requireFreeConstraintName(op, t.table, ac.column().uniqueName());
                    requireFreeConstraintName(op, t.table, ac.column().checkName());
                    requireFreeConstraintName(
                            op,
                            t.table,
                            ac.column().references() == null
                                    ? null
                                    : ac.column().references().name());
                    t.added.add(added(t, ac));
                    t.newShape.put(ac.column().name(), ac.column().name());
                }
            }
            case Operation.DropColumn dc -> {
                TableChange t = table(op, dc.table());
                if (t != null && requireColumn(op, t, dc.column()) && requireExisting(op, t, dc.column())) {
                    String physical = t.physical(dc.column());
                    Catalog.Column col = t.existing.column(physical).orElseThrow();
                    if (col.notNull() && col.defaultExpr() == null && dc.down() == null) {
                        problem(
                                op.location(),
                                "column " + qualified(t.table) + "." + dc.column()
                                        + " is NOT NULL without a default: give drop_column a 'down' expression, or inserts through the new shape will fail");
                    }
                    if (t.existing.primaryKey().contains(physical)) {
                        problem(
                                op.location(),
                                "column " + qualified(t.table) + "." + dc.column()
                                        + " is part of the primary key; it cannot be dropped");
                    }
                    t.newShape.remove(dc.column());
                    t.droppedColumns.add(new TableChange.Dropped(physical, dc.down()));
                }
            }
            case Operation.RenameColumn rc -> rename(op, rc.table(), rc.from(), rc.to());
            case Operation.AlterColumn al -> {
                if (!al.needsCopy()) {
                    if (al.name() != null) {
                        rename(op, al.table(), al.column(), al.name());
                    } else {
                        TableChange t = table(op, al.table());
                        if (t != null && requireColumn(op, t, al.column())) {
                            requireExisting(op, t, al.column());
                        }
                    }
                    return;
                }
                requireFreeConstraintName(op, al.table(), al.uniqueName());
                requireFreeConstraintName(op, al.table(), al.checkName());
                requireFreeConstraintName(
                        op,
                        al.table(),
                        al.references() == null ? null : al.references().name());
                TableChange t = table(op, al.table());
                if (t != null && requireColumn(op, t, al.column()) && requireExisting(op, t, al.column())) {
                    if (al.name() != null && !al.name().equals(al.column()) && !requireFreeColumn(op, t, al.name())) {
                        return;
                    }
                    addCopy(
                            op,
                            t,
                            al.column(),
                            al.newName(),
                            al.type(),
                            al.nullable(),
                            al.defaultValue(),
                            al.dropDefault(),
                            Boolean.TRUE.equals(al.unique()),
                            al.uniqueName(),
                            al.check(),
                            al.checkName(),
                            al.references(),
                            al.up(),
                            al.down());
                }
            }
            case Operation.CreateIndex ci -> {
                TableChange t = table(op, ci.table());
                if (t != null && requireFreeTable(op, ci.name())) {
                    ci.columnNames().forEach(c -> requireColumn(op, t, c));
                }
            }
            case Operation.DropIndex di -> {
                if (!catalog.indexExists(di.name())) {
                    problem(op.location(), "index " + qualified(di.name()) + " does not exist");
                }
            }
            case Operation.CreateConstraint cc -> {
                TableChange t = table(op, cc.table());
                if (t == null) {
                    return;
                }
                requireFreeConstraintName(op, t.table, cc.name());
                if (cc.type() == ConstraintType.PRIMARY_KEY && t.isNew()) {
                    problem(
                            op.location(),
                            "table " + qualified(t.table)
                                    + " is created by this migration; declare its primary key in create_table");
                    return;
                }
                if (cc.type() == ConstraintType.PRIMARY_KEY
                        && !t.existing.primaryKey().isEmpty()) {
                    problem(
                            op.location(),
                            "table " + qualified(t.table) + " already has a primary key ("
                                    + String.join(", ", t.existing.primaryKey()) + "); a table has at most one");
                }
                for (String c : cc.columns()) {
                    if (requireColumn(op, t, c) && cc.up().containsKey(c) && requireExisting(op, t, c)) {
                        addCopy(
                                op,
                                t,
                                c,
                                c,
                                null,
                                null,
                                null,
                                false,
                                false,
                                null,
                                null,
                                null,
                                null,
                                cc.up().get(c),
                                cc.down().get(c));
                    }
                }
                cc.constraint().index().include().forEach(c -> requireColumn(op, t, c));
                if (cc.type() == ConstraintType.FOREIGN_KEY && cc.references() != null) {
                    requireReferencedTable(
                            op, cc.references().table(), cc.references().columns());
                }
            }
            case Operation.DropConstraint dc -> {
                TableChange t = table(op, dc.table());
                if (t == null) {
                    return;
                }
                Catalog.Constraint k = t.isNew()
                        ? null
                        : t.existing.constraints().stream()
                                .filter(c -> c.name().equals(dc.name()))
                                .findFirst()
                                .orElse(null);
                if (k == null) {
                    problem(op.location(), "constraint " + dc.name() + " does not exist on " + qualified(dc.table()));
                } else if (dc.rebuildsColumns()) {
                    dropThroughCopies(dc, t, k);
                }
            }
            case Operation.SetReplicaIdentity ri -> {
                TableChange t = table(op, ri.table());
                if (t != null && ri.index() != null) {
                    boolean exists = t.existing != null
                            && t.existing.indexes().stream()
                                    .anyMatch(i -> i.name().equals(ri.index()));
                    boolean created = migration.operations().stream()
                            .anyMatch(o -> o instanceof Operation.CreateIndex ci
                                    && ci.name().equals(ri.index())
                                    && ci.unique());
                    if (!exists && !created) {
                        problem(
                                op.location(),
                                "index " + ri.index() + " is not a unique index of " + qualified(ri.table())
                                        + "; a replica identity needs one, on NOT NULL columns");
                    }
                }
            }
            case Operation.RenameConstraint rc -> {
                TableChange t = table(op, rc.table());
                if (t == null) {
                    return;
                }
                if (t.isNew()
                        || t.existing.constraints().stream()
                                .noneMatch(c -> c.name().equals(rc.from()))) {
                    problem(op.location(), "constraint " + rc.from() + " does not exist on " + qualified(rc.table()));
                } else if (t.existing.constraints().stream()
                                .anyMatch(c -> c.name().equals(rc.to()))
                        || catalog.relationExists(rc.to())) {
                    problem(
                            op.location(),
                            "a constraint or relation named " + rc.to() + " already exists; choose another name");
                }
            }
            case Operation.RawSql ignored -> {
                // Raw SQL is the owner's responsibility; lint marks it as unchecked.
            }
            case Operation.MoveTable mt -> {
                // The move hands the table to another store as it is: no shape change here, so the
                // table is known to its operation (for the expression checks) but not among the
                // tables whose shape the recipe changes. The relay module checks the rest.
                var source = catalog.table(mt.table());
                if (source.isEmpty() || byNewName.containsKey(mt.table())) {
                    problem(op.location(), "table " + qualified(mt.table()) + " does not exist");
                } else {
                    byOperation.put(op, new TableChange(mt.table(), source.get(), null));
                }
            }
        }
    }

    /**
     * A serial column is an integer column, NOT NULL, with a default from a sequence it owns: the
     * backfill numbers the rows that exist, the default numbers new ones, and no table rewrite is needed.
     */
    private TableChange.Added added(TableChange t, Operation.AddColumn ac) {
        ColumnSpec c = ac.column();
        if (c.generated() instanceof dev.tandem.core.Generated.Identity) {
            problem(
                    ac.location(),
                    "add_column cannot add an identity column to " + qualified(t.table)
                            + ": PostgreSQL fills it for every row by rewriting the table under an exclusive lock."
                            + " Use type bigserial (the backfill numbers the rows, without a rewrite), or declare"
                            + " the column in create_table");
        } else if (c.generated() instanceof dev.tandem.core.Generated.Expression e) {
            problem(
                    ac.location(),
                    "add_column cannot add a stored generated column to " + qualified(t.table)
                            + ": PostgreSQL computes it for every row by rewriting the table under an exclusive"
                            + " lock. Add a plain column with 'up: " + e.expression() + "' instead: the backfill"
                            + " computes it for every row and tandem keeps it in sync while both shapes are live");
        }
        var integer = SerialTypes.integerType(c.type());
        if (integer.isEmpty()) {
            return new TableChange.Added(c, ac.up());
        }
        if (c.defaultValue() != null || ac.up() != null) {
            problem(
                    ac.location(),
                    "column " + qualified(t.table) + "." + c.name() + " is " + c.type()
                            + ", which takes its values from its own sequence; remove 'default' and 'up', or use "
                            + integer.get());
        }
        String sequence = Sql.id(migration.schema(), Sql.shortName(t.table + "_" + c.name() + "_seq"));
        ColumnSpec integerColumn = new ColumnSpec(
                c.name(),
                integer.get(),
                false,
                "nextval(" + Sql.literal(sequence) + "::regclass)",
                c.unique(),
                c.check(),
                c.references(),
                c.primaryKey(),
                null,
                c.comment(),
                c.uniqueName(),
                c.checkName(),
                c.location());
        return new TableChange.Added(integerColumn, null, sequence);
    }

    /** The names a new table's own constraints take, where the file gives them. */
    private static List<String> constraintNames(Operation.CreateTable ct) {
        List<String> names = new ArrayList<>();
        for (ColumnSpec c : ct.columns()) {
            names.add(c.uniqueName());
            names.add(c.checkName());
            names.add(c.references() == null ? null : c.references().name());
        }
        ct.constraints().forEach(k -> names.add(k.name()));
        names.removeIf(java.util.Objects::isNull);
        return names;
    }

    /**
     * A constraint name the file gives must be free: no constraint of that name on the table, no
     * relation of that name in the schema (PostgreSQL names a unique or primary key's index after it),
     * and not given twice for the table in this migration.
     */
    private void requireFreeConstraintName(Operation op, String table, String name) {
        if (name == null) {
            return;
        }
        boolean taken = catalog.table(table)
                        .map(x ->
                                x.constraints().stream().anyMatch(c -> c.name().equals(name)))
                        .orElse(false)
                || catalog.relationExists(name);
        if (taken || !constraintNamesGiven.add(table + "." + name)) {
            problem(
                    op.location(),
                    "a constraint or relation named " + name + " already exists" + (taken ? "" : " in this migration")
                            + "; choose another name");
        }
    }

    /**
     * pgroll's drop_constraint with up and down: each column they name is rebuilt through a copy that
     * does not carry the constraint, while the original keeps it for the old shape until complete.
     */
    private void dropThroughCopies(Operation.DropConstraint dc, TableChange t, Catalog.Constraint k) {
        Map<String, String> up = dc.up();
        Map<String, String> down = dc.down();
        if (!dc.multiColumn()) {
            if (k.columns().size() != 1) {
                problem(
                        dc.location(),
                        "constraint " + dc.name() + " covers " + k.columns().size() + " columns ("
                                + String.join(", ", k.columns())
                                + "); drop it with drop_multicolumn_constraint, whose up and down name each column");
                return;
            }
            String column = t.newName(k.columns().getFirst());
            up = up.isEmpty() ? Map.of() : Map.of(column, up.get(""));
            down = down.isEmpty() ? Map.of() : Map.of(column, down.get(""));
        }
        java.util.Set<String> columns = new java.util.LinkedHashSet<>(up.keySet());
        columns.addAll(down.keySet());
        for (String column : columns) {
            if (!k.columns().contains(t.physical(column) == null ? column : t.physical(column))) {
                problem(
                        dc.location(),
                        "column " + column + " is not covered by constraint " + dc.name() + " ("
                                + String.join(", ", k.columns()) + ")");
            } else if (requireColumn(dc, t, column) && requireExisting(dc, t, column)) {
                t.droppedConstraints.add(dc.name());
                addCopy(
                        dc,
                        t,
                        column,
                        column,
                        null,
                        null,
                        null,
                        false,
                        false,
                        null,
                        null,
                        null,
                        null,
                        up.get(column),
                        down.get(column));
            }
        }
    }

    private boolean requireExisting(Operation op, TableChange t, String column) {
        String physical = t.physical(column);
        if (t.isNew() || t.existing.column(physical).isEmpty()) {
            problem(
                    op.location(),
                    "column " + qualified(t.table) + "." + column
                            + " is created by this migration; change it where it is created");
            return false;
        }
        if (t.copies.stream().anyMatch(c -> c.column().equals(physical))
                || t.droppedColumns.stream().anyMatch(d -> d.column().equals(physical))
                || t.renames.containsKey(physical)) {
            problem(
                    op.location(),
                    "column " + qualified(t.table) + "." + column
                            + " is already changed by this migration; one change per column");
            return false;
        }
        return true;
    }

    private void requireReferencedTable(Operation op, String table, List<String> columns) {
        TableChange target = byNewName.get(table);
        if (target == null && catalog.table(table).isEmpty()) {
            problem(op.location(), "referenced table " + qualified(table) + " does not exist");
            return;
        }
        for (String c : columns) {
            boolean found = target != null
                    ? target.physical(c) != null
                    : catalog.table(table).get().column(c).isPresent();
            if (!found) {
                problem(op.location(), "referenced column " + qualified(table) + "." + c + " does not exist");
            }
        }
    }

    private void rename(Operation op, String table, String from, String to) {
        TableChange t = table(op, table);
        if (t != null && requireColumn(op, t, from) && requireExisting(op, t, from) && requireFreeColumn(op, t, to)) {
            String physical = t.physical(from);
            LinkedHashMap<String, String> reordered = new LinkedHashMap<>();
            t.newShape.forEach((n, p) -> reordered.put(n.equals(from) ? to : n, p));
            t.newShape.clear();
            t.newShape.putAll(reordered);
            t.renames.put(physical, to);
        }
    }

    private void addCopy(
            Operation op,
            TableChange t,
            String column,
            String finalName,
            String type,
            Boolean nullable,
            String defaultValue,
            boolean dropDefault,
            boolean unique,
            String uniqueName,
            String check,
            String checkName,
            dev.tandem.core.ForeignKeyRef references,
            String up,
            String down) {
        String physical = t.physical(column);
        Catalog.Column original = t.existing.column(physical).orElseThrow();
        if (original.identity() || original.generated()) {
            problem(
                    op.location(),
                    "column " + qualified(t.table) + "." + column
                            + " is an identity or generated column; tandem cannot change it through a copy yet");
            return;
        }
        if (t.existing.incoming().stream().anyMatch(f -> f.columns().contains(physical))) {
            problem(
                    op.location(),
                    "column " + qualified(t.table) + "." + column + " is referenced by a foreign key from another table"
                            + "; drop that constraint first, and add it again in a later migration");
            return;
        }
        for (Catalog.Index index : t.existing.indexes()) {
            if (index.columns().contains(physical)
                    && !index.simple()
                    && (index.constraintName() == null || !t.droppedConstraints.contains(index.constraintName()))) {
                problem(
                        op.location(),
                        "column " + qualified(t.table) + "." + column + " is used by expression or partial index "
                                + index.name() + "; drop it first, and create it again in a later migration");
                return;
            }
        }
        for (Catalog.Constraint k : t.existing.constraints()) {
            if (k.type() == 'x' && k.columns().contains(physical) && !t.droppedConstraints.contains(k.name())) {
                problem(
                        op.location(),
                        "column " + qualified(t.table) + "." + column + " is used by exclusion constraint " + k.name()
                                + "; drop it first, and add it again in a later migration");
                return;
            }
        }
        // What the swap at complete could not keep (a duplicate unique, a sequence, statistics): CopyChecks.
        List<String> unfit = CopyChecks.problems(qualified(t.table) + "." + column, t.existing, original, type, unique);
        if (!unfit.isEmpty()) {
            unfit.forEach(p -> problem(op.location(), p));
            return;
        }
        String copy = Sql.shortName(COPY_PREFIX + physical);
        boolean notNull = nullable != null ? !nullable : original.notNull();
        String newType = type != null ? type : original.type();
        // The copy is the column as it will be: with the new default, none, or the original's.
        String def = dropDefault ? null : defaultValue != null ? defaultValue : original.defaultExpr();
        t.copies.add(new TableChange.Copy(
                physical,
                copy,
                finalName,
                newType,
                notNull,
                def,
                unique,
                uniqueName,
                check,
                checkName,
                references,
                up != null ? up : Sql.id(physical),
                down,
                original));
        LinkedHashMap<String, String> reordered = new LinkedHashMap<>();
        t.newShape.forEach((n, p) -> {
            if (n.equals(column)) {
                reordered.put(finalName, copy);
            } else {
                reordered.put(n, p);
            }
        });
        t.newShape.clear();
        t.newShape.putAll(reordered);
        if (references != null) {
            requireReferencedTable(op, references.table(), references.columns());
        }
    }
}
