package dev.tandem.postgres;

import dev.tandem.core.ColumnSpec;
import dev.tandem.core.ConstraintType;
import dev.tandem.core.ForeignKeyRef;
import dev.tandem.core.IndexColumn;
import dev.tandem.core.Migration;
import dev.tandem.core.Operation;
import dev.tandem.core.TableConstraint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Compiles a resolved migration into its recipe. No step makes another session wait longer than the
 * lock timeout: columns are added without a table rewrite, constraints NOT VALID then validated,
 * indexes CONCURRENTLY outside a transaction, and type or nullability changes go through a copied
 * column that is swapped in at complete.
 */
final class RecipeBuilder {
    final ShapeModel model;
    final Migration m;
    final String schema;
    final String vschema;
    private final List<PlannedStep> steps = new ArrayList<>();
    private final List<Recipe.BackfillSpec> backfills = new ArrayList<>();

    private RecipeBuilder(ShapeModel model) {
        this.model = model;
        this.m = model.migration;
        this.schema = m.schema();
        this.vschema = m.versionSchema();
    }

    static Recipe build(ShapeModel model) {
        RecipeBuilder b = new RecipeBuilder(model);
        b.expand();
        b.backfill();
        b.validate();
        b.serve();
        ContractSteps contract = new ContractSteps(b);
        contract.complete();
        contract.rollback();
        return new Recipe(b.steps, b.backfills);
    }

    void step(Stage stage, String description, String sql, LockMode lock, boolean transactional, String estimate) {
        steps.add(new PlannedStep(stage, description, sql, lock, transactional, estimate));
    }

    String t(String table) {
        return Sql.id(schema, table);
    }

    static String size(Catalog.Table table) {
        return table == null
                ? "new table"
                : "~" + String.format("%,d", table.estimatedRows()) + " rows, " + (table.sizeBytes() / 1024 / 1024)
                        + " MB";
    }

    String notNullName(TableChange tc, String column) {
        return Sql.shortName("_tandem_nn_" + tc.table + "_" + column);
    }

    /**
     * PostgreSQL's own name for a column's constraint, numbered as PostgreSQL numbers it when the name
     * is taken: a column that already has a check keeps {@code items_qty_check}, and the check that
     * alter_column adds is {@code items_qty_check1}.
     */
    String constraintName(TableChange tc, String column, String suffix) {
        String base = tc.table + "_" + column + "_" + suffix;
        String name = Sql.shortName(base);
        for (int n = 1; nameTaken(tc, name); n++) {
            name = Sql.shortName(base + n);
        }
        return name;
    }

    /** The name the file gives a column's constraint, or PostgreSQL's own name for it. */
    String named(String given, TableChange tc, String column, String suffix) {
        return given != null ? given : constraintName(tc, column, suffix);
    }

    boolean nameTaken(TableChange tc, String name) {
        return model.catalog.relationExists(name)
                || (tc.existing != null
                        && tc.existing.constraints().stream()
                                .anyMatch(k -> k.name().equals(name)));
    }

    String rebuiltIndexName(String index) {
        return Sql.shortName("_tandem_" + index);
    }

    // ---- expand

    private void expand() {
        for (TableChange tc : model.tables()) {
            if (tc.isNew()) {
                step(
                        Stage.EXPAND,
                        "create table " + schema + "." + tc.table,
                        createTable(tc.created) + comments(tc.created),
                        LockMode.NONE,
                        true,
                        "new table");
                continue;
            }
            List<String> clauses = new ArrayList<>();
            for (TableChange.Added a : tc.added) {
                ColumnSpec c = a.spec();
                clauses.add("ADD COLUMN " + Sql.id(c.name()) + " " + c.type());
                if (c.defaultValue() != null) {
                    clauses.add("ALTER COLUMN " + Sql.id(c.name()) + " SET DEFAULT " + c.defaultValue());
                }
                columnConstraints(
                        tc, c.name(), c.name(), !c.nullable(), c.check(), c.checkName(), c.references(), clauses);
            }
            for (TableChange.Copy c : tc.copies) {
                // A copy of the same type keeps the original column's collation.
                clauses.add("ADD COLUMN " + Sql.id(c.copy()) + " " + c.type()
                        + (c.type().equals(c.original().type()) && c.original().collation() != null
                                ? " COLLATE " + c.original().collation()
                                : ""));
                if (c.defaultExpr() != null) {
                    clauses.add("ALTER COLUMN " + Sql.id(c.copy()) + " SET DEFAULT " + c.defaultExpr());
                }
                columnConstraints(
                        tc, c.copy(), c.finalName(), c.notNull(), c.check(), c.checkName(), c.references(), clauses);
            }
            // Constraints on the original columns are rebuilt on the copies, once each, so the swap keeps them.
            for (Catalog.Constraint k : CopyFidelity.constraints(tc)) {
                clauses.add("ADD CONSTRAINT " + Sql.id(rebuiltIndexName(k.name())) + " "
                        + rebuiltConstraint(k, CopyFidelity.copies(tc)) + " NOT VALID");
            }
            if (tc.needsSync()) {
                // Always NULL at rest: set only while a write through the new shape passes the table's triggers.
                clauses.add("ADD COLUMN " + Sql.id(SyncTrigger.VIA) + " boolean");
            }
            // A new primary key's columns become NOT NULL at complete, without a scan, from a validated check.
            for (String column : primaryKeyNotNulls(tc)) {
                clauses.add("ADD CONSTRAINT " + Sql.id(notNullName(tc, column)) + " CHECK ("
                        + Sql.id(tc.physical(column)) + " IS NOT NULL) NOT VALID");
            }
            if (!clauses.isEmpty()) {
                List<String> sql = new ArrayList<>();
                // A serial column's sequence exists before its default names it, and is owned by it after.
                tc.added.stream()
                        .filter(a -> a.sequence() != null)
                        .forEach(a -> sql.add("CREATE SEQUENCE " + a.sequence() + " AS "
                                + a.spec().type()));
                sql.add("ALTER TABLE " + t(tc.table) + "\n  " + String.join(",\n  ", clauses));
                tc.added.stream()
                        .filter(a -> a.sequence() != null)
                        .forEach(a -> sql.add("ALTER SEQUENCE " + a.sequence() + " OWNED BY " + t(tc.table) + "."
                                + Sql.id(a.spec().name())));
                tc.added.stream()
                        .filter(a -> a.spec().comment() != null)
                        .forEach(a -> sql.add("COMMENT ON COLUMN " + t(tc.table) + "."
                                + Sql.id(a.spec().name()) + " IS "
                                + Sql.literal(a.spec().comment())));
                // Before the backfill writes them: storage and compression apply to rows as they are written.
                sql.addAll(copiedSettings(tc));
                step(
                        Stage.EXPAND,
                        "add the new columns of " + schema + "." + tc.table
                                + " (no table rewrite; constraints NOT VALID"
                                + (tc.copies.isEmpty() ? "" : "; copies take their column's settings and privileges")
                                + ")",
                        String.join(";\n", sql),
                        LockMode.ACCESS_EXCLUSIVE,
                        true,
                        "instant: catalog only");
            }
        }
        for (Operation op : m.operations()) {
            if (op instanceof Operation.CreateConstraint cc
                    && (cc.type() == ConstraintType.CHECK || cc.type() == ConstraintType.FOREIGN_KEY)) {
                TableChange tc = model.tableOf(op);
                step(
                        Stage.EXPAND,
                        "add constraint " + cc.name() + " NOT VALID (checked for new writes only)",
                        "ALTER TABLE " + t(tc.table) + " ADD CONSTRAINT " + Sql.id(cc.name()) + " "
                                + constraintBody(tc, cc) + " NOT VALID",
                        cc.type() == ConstraintType.FOREIGN_KEY
                                ? LockMode.SHARE_ROW_EXCLUSIVE
                                : LockMode.ACCESS_EXCLUSIVE,
                        true,
                        "instant: no scan");
            }
        }
        for (TableChange tc : model.tables()) {
            if (tc.needsSync()) {
                step(
                        Stage.EXPAND,
                        "sync triggers on " + schema + "." + tc.table
                                + " (up for writes to the table, down for writes through the new shape's view)",
                        SyncTrigger.create(schema, m.id(), tc),
                        LockMode.SHARE_ROW_EXCLUSIVE,
                        true,
                        "instant");
            }
        }
        for (Operation op : m.operations()) {
            if (op instanceof Operation.RenameConstraint rc) {
                // Constraint names are in neither shape's columns: renamed at once, renamed back by rollback.
                step(
                        Stage.EXPAND,
                        "rename constraint " + rc.from() + " of " + schema + "." + rc.table() + " to " + rc.to(),
                        "ALTER TABLE " + t(model.tableOf(op).table) + " RENAME CONSTRAINT " + Sql.id(rc.from()) + " TO "
                                + Sql.id(rc.to()),
                        LockMode.ACCESS_EXCLUSIVE,
                        true,
                        "instant: catalog only");
            }
        }
        for (Operation op : m.operations()) {
            if (op instanceof Operation.AlterColumn al && al.changesComment()) {
                // Comments are in neither shape's columns: set on the column at once (a copy takes it at
                // complete), and put back by rollback.
                TableChange tc = model.tableOf(op);
                String physical = commentedColumn(tc, al);
                step(
                        Stage.EXPAND,
                        (al.dropComment() ? "remove the comment of " : "comment on ") + schema + "." + tc.table + "."
                                + al.column(),
                        "COMMENT ON COLUMN " + t(tc.table) + "." + Sql.id(physical) + " IS "
                                + (al.dropComment() ? "NULL" : Sql.literal(al.comment())),
                        LockMode.SHARE_UPDATE_EXCLUSIVE,
                        true,
                        "instant: catalog only");
            }
        }
        for (Operation op : m.operations()) {
            if (op instanceof Operation.RawSql sql && !sql.onComplete()) {
                step(
                        Stage.EXPAND,
                        "raw sql (unchecked) at " + sql.location(),
                        sql.up(),
                        LockMode.ACCESS_EXCLUSIVE,
                        true,
                        "unknown: raw SQL");
            }
        }
        step(
                Stage.EXPAND,
                "version schema " + vschema + ": placeholder views until the backfill is done",
                VersionSchema.create(schema, vschema, model.tables()),
                LockMode.ACCESS_SHARE,
                true,
                "instant");
    }

    /** The statement that gives the copies of the table their original columns' settings and privileges, if any. */
    List<String> copiedSettings(TableChange tc) {
        String settings = CopyFidelity.settings(t(tc.table), tc, model.catalog.serverVersion());
        return settings == null ? List.of() : List.of(settings);
    }

    /**
     * The definition of a check or foreign key of original columns, moved to their copies. A foreign
     * key's referenced columns are another table's and keep their names, even the same name.
     */
    private static String rebuiltConstraint(Catalog.Constraint k, Map<String, String> renames) {
        String def = k.definition();
        int references = def.indexOf(" REFERENCES ");
        if (k.type() != 'f' || references < 0) {
            return Sql.renameColumns(def, renames);
        }
        // Skip the referenced table and its column list; ON DELETE SET NULL (...) names this table's columns.
        int end = references;
        int depth = 0;
        boolean quoted = false;
        for (; end < def.length(); end++) {
            char ch = def.charAt(end);
            if (ch == '"') {
                quoted = !quoted;
            } else if (!quoted && ch == '(') {
                depth++;
            } else if (!quoted && ch == ')' && --depth == 0) {
                end++;
                break;
            }
        }
        return Sql.renameColumns(def.substring(0, references), renames)
                + def.substring(references, end)
                + Sql.renameColumns(def.substring(end), renames);
    }

    private void columnConstraints(
            TableChange tc,
            String physical,
            String name,
            boolean notNull,
            String check,
            String checkName,
            ForeignKeyRef references,
            List<String> clauses) {
        if (notNull) {
            clauses.add("ADD CONSTRAINT " + Sql.id(notNullName(tc, name)) + " CHECK (" + Sql.id(physical)
                    + " IS NOT NULL) NOT VALID");
        }
        if (check != null) {
            clauses.add("ADD CONSTRAINT " + Sql.id(named(checkName, tc, name, "check")) + " CHECK ("
                    + Sql.renameColumns(check, Map.of(name, physical)) + ") NOT VALID");
        }
        if (references != null) {
            clauses.add("ADD CONSTRAINT " + Sql.id(named(references.name(), tc, name, "fkey")) + " FOREIGN KEY ("
                    + Sql.id(physical) + ") " + references(references) + " NOT VALID");
        }
    }

    /**
     * The physical column whose comment alter_column sets: the original, even when the change goes
     * through a copy, since the copy takes the original's comment at complete.
     */
    static String commentedColumn(TableChange tc, Operation.AlterColumn al) {
        for (TableChange.Copy c : tc.copies) {
            if (c.finalName().equals(al.newName())) {
                return c.column();
            }
        }
        String physical = tc.physical(al.newName());
        return physical != null ? physical : al.column();
    }

    /** The columns of a primary key that create_constraint adds which may hold NULL now. */
    List<String> primaryKeyNotNulls(TableChange tc) {
        List<String> out = new ArrayList<>();
        for (Operation op : m.operations()) {
            if (op instanceof Operation.CreateConstraint cc
                    && cc.type() == ConstraintType.PRIMARY_KEY
                    && model.tableOf(op) == tc
                    && !tc.isNew()) {
                for (String column : cc.columns()) {
                    String physical = tc.physical(column);
                    boolean notNull = tc.copies.stream().anyMatch(c -> c.copy().equals(physical) && c.notNull())
                            || tc.existing
                                    .column(physical)
                                    .map(Catalog.Column::notNull)
                                    .orElse(false);
                    if (!notNull) {
                        out.add(column);
                    }
                }
            }
        }
        return out;
    }

    private String createTable(Operation.CreateTable ct) {
        List<String> defs = new ArrayList<>();
        List<String> pk = new ArrayList<>();
        for (ColumnSpec c : ct.columns()) {
            StringBuilder d = new StringBuilder(Sql.id(c.name())).append(' ').append(c.type());
            if (!c.nullable()) {
                d.append(" NOT NULL");
            }
            if (c.defaultValue() != null) {
                d.append(" DEFAULT ").append(c.defaultValue());
            }
            switch (c.generated()) {
                case null -> {}
                case dev.tandem.core.Generated.Identity id ->
                    d.append(" GENERATED ")
                            .append(id.always() ? "ALWAYS" : "BY DEFAULT")
                            .append(" AS IDENTITY")
                            .append(id.sequenceOptions() != null ? " (" + id.sequenceOptions() + ")" : "");
                case dev.tandem.core.Generated.Expression e ->
                    d.append(" GENERATED ALWAYS AS (").append(e.expression()).append(") STORED");
            }
            if (c.unique()) {
                d.append(constraintPrefix(c.uniqueName())).append(" UNIQUE");
            }
            if (c.check() != null) {
                d.append(constraintPrefix(c.checkName()))
                        .append(" CHECK (")
                        .append(c.check())
                        .append(')');
            }
            if (c.references() != null) {
                d.append(constraintPrefix(c.references().name())).append(' ').append(references(c.references()));
            }
            if (c.primaryKey()) {
                pk.add(c.name());
            }
            defs.add(d.toString());
        }
        if (!pk.isEmpty()) {
            defs.add("PRIMARY KEY (" + Sql.ids(pk) + ")");
        }
        for (TableConstraint k : ct.constraints()) {
            defs.add("CONSTRAINT " + Sql.id(k.name()) + " " + tableConstraint(k, k.columns()));
        }
        return "CREATE TABLE " + t(ct.name()) + " (\n  " + String.join(",\n  ", defs) + "\n)";
    }

    private static String constraintPrefix(String name) {
        return name == null ? "" : " CONSTRAINT " + Sql.id(name);
    }

    /**
     * A table constraint's definition after its name, over {@code physical} columns: as create_table
     * writes it, and as create_constraint adds a check, a foreign key or an exclusion.
     */
    private String tableConstraint(TableConstraint k, List<String> physical) {
        String deferral = (k.deferrable() ? " DEFERRABLE" : "") + (k.initiallyDeferred() ? " INITIALLY DEFERRED" : "");
        return switch (k.type()) {
            case CHECK -> "CHECK (" + k.check() + ")";
            case FOREIGN_KEY -> "FOREIGN KEY (" + Sql.ids(physical) + ") " + references(k.references());
            case UNIQUE ->
                "UNIQUE" + (k.nullsNotDistinct() ? " NULLS NOT DISTINCT" : "") + " (" + Sql.ids(physical) + ")"
                        + indexParameters(k.index()) + deferral;
            case PRIMARY_KEY -> "PRIMARY KEY (" + Sql.ids(physical) + ")" + indexParameters(k.index()) + deferral;
            case EXCLUDE ->
                "EXCLUDE USING " + k.exclusion().method() + " (" + k.exclusion().elements() + ")"
                        + indexParameters(k.index())
                        + (k.exclusion().predicate() != null
                                ? " WHERE (" + k.exclusion().predicate() + ")"
                                : "")
                        + deferral;
        };
    }

    /** {@code INCLUDE (...)} and {@code WITH (...)} of an index-backed constraint, or "". */
    private static String indexParameters(TableConstraint.IndexParameters p) {
        return (p.include().isEmpty() ? "" : " INCLUDE (" + Sql.ids(p.include()) + ")")
                + (p.storageParameters() != null ? " WITH (" + p.storageParameters() + ")" : "");
    }

    /** COMMENT ON statements for a new table and its columns, each after a ";", or "". */
    private String comments(Operation.CreateTable ct) {
        StringBuilder b = new StringBuilder();
        if (ct.comment() != null) {
            b.append(";\nCOMMENT ON TABLE ").append(t(ct.name())).append(" IS ").append(Sql.literal(ct.comment()));
        }
        for (ColumnSpec c : ct.columns()) {
            if (c.comment() != null) {
                b.append(";\nCOMMENT ON COLUMN ")
                        .append(t(ct.name()))
                        .append('.')
                        .append(Sql.id(c.name()))
                        .append(" IS ")
                        .append(Sql.literal(c.comment()));
            }
        }
        return b.toString();
    }

    private String constraintBody(TableChange tc, Operation.CreateConstraint cc) {
        List<String> physical = cc.columns().stream().map(tc::physical).toList();
        TableConstraint k = cc.constraint();
        return switch (cc.type()) {
            case CHECK -> "CHECK (" + Sql.renameColumns(cc.check(), tc.newToPhysicalRenames()) + ")";
            case EXCLUDE -> {
                Map<String, String> renames = tc.newToPhysicalRenames();
                TableConstraint.Exclusion x = k.exclusion();
                TableConstraint.Exclusion physicalExclusion = new TableConstraint.Exclusion(
                        x.method(),
                        Sql.renameColumns(x.elements(), renames),
                        x.predicate() == null ? null : Sql.renameColumns(x.predicate(), renames));
                yield tableConstraint(
                        new TableConstraint(
                                k.name(),
                                k.type(),
                                k.columns(),
                                null,
                                null,
                                k.deferrable(),
                                k.initiallyDeferred(),
                                false,
                                physicalExclusion,
                                new TableConstraint.IndexParameters(
                                        k.index().storageParameters(),
                                        k.index().include().stream()
                                                .map(tc::physical)
                                                .toList()),
                                k.location()),
                        physical);
            }
            default -> tableConstraint(k, physical);
        };
    }

    /** {@code REFERENCES t (cols)} with the key's actions and deferrability. */
    private String references(ForeignKeyRef k) {
        return "REFERENCES " + t(k.table()) + " (" + Sql.ids(k.columns()) + ")"
                + (k.onDelete() != null ? " ON DELETE " + k.onDelete() : "")
                + (k.onUpdate() != null ? " ON UPDATE " + k.onUpdate() : "")
                + (k.deferrable() ? " DEFERRABLE" : "")
                + (k.initiallyDeferred() ? " INITIALLY DEFERRED" : "");
    }

    // ---- backfill

    /**
     * Each table's backfill: in ranges of its row key (the primary key, else the narrowest unique key
     * over NOT NULL columns), or of ctid when it has none. The trigger that fills rows an UPDATE moves
     * ({@link BackfillOnUpdate}) is armed at the end of expand, stopped first thing once the backfill is
     * done (before the new shape is served), and dropped first thing by complete and rollback.
     */
    private void backfill() {
        for (TableChange tc : model.tables()) {
            if (!tc.needsBackfill()) {
                continue;
            }
            List<Recipe.Assignment> assignments = new ArrayList<>();
            for (TableChange.Added a : tc.added) {
                String expr = a.up() != null ? a.up() : a.spec().defaultValue();
                if (expr != null) {
                    assignments.add(new Recipe.Assignment(a.spec().name(), expr));
                }
            }
            tc.copies.forEach(c -> assignments.add(new Recipe.Assignment(c.copy(), c.up())));
            List<String> key = tc.existing.backfillKey();
            List<String> keyTypes = key.stream()
                    .map(k -> tc.existing.column(k).orElseThrow().type())
                    .toList();
            if (key.isEmpty()) {
                key = BackfillSql.CTID;
                keyTypes = BackfillSql.CTID_TYPE;
            }
            Recipe.BackfillSpec spec =
                    new Recipe.BackfillSpec(schema, tc.table, key, keyTypes, assignments, tc.existing.estimatedRows());
            backfills.add(spec);
            String table = schema + "." + tc.table;
            step(
                    Stage.EXPAND,
                    "fill the new columns of " + table + " on every UPDATE"
                            + (BackfillSql.byCtid(spec) ? "" : " of its key " + String.join(", ", key))
                            + " until the backfill is done, so a row the UPDATE moves is not missed",
                    BackfillOnUpdate.create(schema, m.id(), tc, spec),
                    LockMode.SHARE_ROW_EXCLUSIVE,
                    true,
                    "instant");
            step(
                    Stage.BACKFILL,
                    "backfill " + table
                            + (BackfillSql.byCtid(spec)
                                    ? " in ctid block ranges (it has no primary key or unique NOT NULL key)"
                                    : tc.existing.primaryKey().isEmpty()
                                            ? " in ranges of its unique key " + String.join(", ", key)
                                            : " in primary-key ranges")
                            + ", one transaction per batch",
                    Backfill.batchSql(spec),
                    LockMode.ROW_EXCLUSIVE,
                    true,
                    size(tc.existing) + "; rows locked one batch at a time");
            step(
                    Stage.VALIDATE,
                    "stop filling " + table + " on UPDATE: the backfill is done",
                    BackfillOnUpdate.disarm(schema, tc),
                    LockMode.SHARE_ROW_EXCLUSIVE,
                    true,
                    "instant");
            String drop = BackfillOnUpdate.drop(schema, m.id(), tc);
            String dropDescription = "drop the trigger that filled " + table + " on UPDATE during the backfill";
            step(Stage.COMPLETE, dropDescription, drop, LockMode.ACCESS_EXCLUSIVE, true, "instant");
            step(Stage.ROLLBACK, dropDescription, drop, LockMode.ACCESS_EXCLUSIVE, true, "instant");
        }
    }

    // ---- validate

    private void validate() {
        for (TableChange tc : model.tables()) {
            if (tc.isNew()) {
                continue;
            }
            List<String> toValidate = new ArrayList<>();
            for (TableChange.Added a : tc.added) {
                ColumnSpec c = a.spec();
                collectValidations(tc, c.name(), !c.nullable(), c.check(), c.checkName(), c.references(), toValidate);
                if (c.unique()) {
                    uniqueIndex(tc, named(c.uniqueName(), tc, c.name(), "key"), List.of(c.name()));
                }
            }
            for (TableChange.Copy c : tc.copies) {
                collectValidations(
                        tc, c.finalName(), c.notNull(), c.check(), c.checkName(), c.references(), toValidate);
                if (c.unique()) {
                    uniqueIndex(tc, named(c.uniqueName(), tc, c.finalName(), "key"), List.of(c.copy()));
                }
            }
            primaryKeyNotNulls(tc).forEach(column -> toValidate.add(notNullName(tc, column)));
            if (!tc.copies.isEmpty()) {
                CopyFidelity.constraints(tc).forEach(k -> toValidate.add(rebuiltIndexName(k.name())));
                for (Catalog.Index index : CopyFidelity.indexes(tc)) {
                    // The original definition from USING on (method, key and INCLUDE columns, opclasses,
                    // ordering, collations, NULLS NOT DISTINCT, storage parameters), with every copied
                    // column in its place.
                    String def = index.definition();
                    String body = Sql.renameColumns(def.substring(def.indexOf(" USING ") + 1), CopyFidelity.copies(tc));
                    step(
                            Stage.VALIDATE,
                            "rebuild index " + index.name() + " on the copied columns",
                            "CREATE " + (index.unique() ? "UNIQUE " : "") + "INDEX CONCURRENTLY IF NOT EXISTS "
                                    + Sql.id(rebuiltIndexName(index.name())) + " ON " + t(tc.table) + " " + body,
                            LockMode.SHARE_UPDATE_EXCLUSIVE,
                            false,
                            size(tc.existing));
                }
            }
            for (String name : toValidate) {
                step(
                        Stage.VALIDATE,
                        "validate constraint " + name + " (reads and writes go on)",
                        "ALTER TABLE " + t(tc.table) + " VALIDATE CONSTRAINT " + Sql.id(name),
                        LockMode.SHARE_UPDATE_EXCLUSIVE,
                        true,
                        size(tc.existing));
            }
        }
        for (Operation op : m.operations()) {
            TableChange tc = model.tableOf(op);
            if (op instanceof Operation.CreateConstraint cc) {
                TableConstraint k = cc.constraint();
                List<String> physical = cc.columns().stream().map(tc::physical).toList();
                switch (cc.type()) {
                    case UNIQUE, PRIMARY_KEY ->
                        step(
                                Stage.VALIDATE,
                                "build unique index " + cc.name() + " concurrently"
                                        + (cc.type() == ConstraintType.PRIMARY_KEY
                                                ? " (the primary key's, added at complete)"
                                                : ""),
                                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS " + Sql.id(cc.name()) + " ON "
                                        + t(tc.table) + " (" + Sql.ids(physical) + ")"
                                        + (k.index().include().isEmpty()
                                                ? ""
                                                : " INCLUDE ("
                                                        + Sql.ids(k.index().include().stream()
                                                                .map(tc::physical)
                                                                .toList())
                                                        + ")")
                                        + (k.nullsNotDistinct() ? " NULLS NOT DISTINCT" : "")
                                        + (k.index().storageParameters() != null
                                                ? " WITH (" + k.index().storageParameters() + ")"
                                                : ""),
                                LockMode.SHARE_UPDATE_EXCLUSIVE,
                                false,
                                size(tc.existing));
                    case EXCLUDE ->
                        // PostgreSQL cannot build an exclusion constraint's index concurrently.
                        step(
                                Stage.VALIDATE,
                                "add exclusion constraint " + cc.name()
                                        + " (builds its index under an exclusive lock: writes wait)",
                                "ALTER TABLE " + t(tc.table) + " ADD CONSTRAINT " + Sql.id(cc.name()) + " "
                                        + constraintBody(tc, cc),
                                LockMode.ACCESS_EXCLUSIVE,
                                true,
                                size(tc.existing) + "; blocks reads and writes while the index is built");
                    default ->
                        step(
                                Stage.VALIDATE,
                                "validate constraint " + cc.name(),
                                "ALTER TABLE " + t(tc.table) + " VALIDATE CONSTRAINT " + Sql.id(cc.name()),
                                LockMode.SHARE_UPDATE_EXCLUSIVE,
                                true,
                                size(tc.existing));
                }
            } else if (op instanceof Operation.CreateIndex ci) {
                step(
                        Stage.VALIDATE,
                        "create index " + ci.name() + " concurrently",
                        createIndex(tc, ci),
                        LockMode.SHARE_UPDATE_EXCLUSIVE,
                        false,
                        size(tc.existing));
            }
        }
        for (Operation op : m.operations()) {
            if (op instanceof Operation.SetReplicaIdentity ri) {
                // After the indexes this migration builds: the identity may name one of them.
                step(
                        Stage.VALIDATE,
                        "set the replica identity of " + schema + "." + model.tableOf(op).table + " to "
                                + ri.type().toLowerCase(java.util.Locale.ROOT)
                                + (ri.index() != null ? " " + ri.index() : ""),
                        "ALTER TABLE " + t(model.tableOf(op).table) + " REPLICA IDENTITY " + replicaIdentity(ri),
                        LockMode.ACCESS_EXCLUSIVE,
                        true,
                        "instant: catalog only");
            }
        }
    }

    static String replicaIdentity(Operation.SetReplicaIdentity ri) {
        return ri.index() != null ? "USING INDEX " + Sql.id(ri.index()) : ri.type();
    }

    /** CREATE INDEX CONCURRENTLY with every option the file gives, over the physical columns. */
    private String createIndex(TableChange tc, Operation.CreateIndex ci) {
        List<String> keys = new ArrayList<>();
        for (IndexColumn c : ci.columns()) {
            StringBuilder k = new StringBuilder(Sql.id(tc.physical(c.column())));
            if (c.collate() != null) {
                k.append(" COLLATE ").append(Sql.id(c.collate()));
            }
            if (c.opclass() != null) {
                k.append(' ').append(Sql.id(c.opclass()));
                if (!c.opclassParams().isEmpty()) {
                    k.append(" (").append(String.join(", ", c.opclassParams())).append(')');
                }
            }
            if (c.sort() != null) {
                k.append(' ').append(c.sort());
            }
            if (c.nulls() != null) {
                k.append(" NULLS ").append(c.nulls());
            }
            keys.add(k.toString());
        }
        return "CREATE " + (ci.unique() ? "UNIQUE " : "") + "INDEX CONCURRENTLY IF NOT EXISTS " + Sql.id(ci.name())
                + " ON " + t(tc.table) + (ci.method() != null ? " USING " + ci.method() : "") + " ("
                + String.join(", ", keys) + ")"
                + (ci.storageParameters() != null ? " WITH (" + ci.storageParameters() + ")" : "")
                + (ci.predicate() != null
                        ? " WHERE " + Sql.renameColumns(ci.predicate(), tc.newToPhysicalRenames())
                        : "");
    }

    /** The new shape is served once every row is in it, with its indexes and constraints in place. */
    private void serve() {
        // Copies first take the privileges granted on their columns during the backfill, which the views then copy.
        List<String> sql = new ArrayList<>();
        model.tables().stream().filter(tc -> !tc.isNew()).forEach(tc -> sql.addAll(copiedSettings(tc)));
        sql.add(VersionSchema.serve(schema, vschema, model.tables(), model.catalog.serverVersion()));
        step(
                Stage.VALIDATE,
                "serve the new shape: the views of " + vschema + ", with the tables' privileges",
                String.join(";\n", sql),
                LockMode.ACCESS_EXCLUSIVE,
                true,
                "instant: the placeholder views only");
    }

    private void collectValidations(
            TableChange tc,
            String name,
            boolean notNull,
            String check,
            String checkName,
            ForeignKeyRef references,
            List<String> out) {
        if (notNull) {
            out.add(notNullName(tc, name));
        }
        if (check != null) {
            out.add(named(checkName, tc, name, "check"));
        }
        if (references != null) {
            out.add(named(references.name(), tc, name, "fkey"));
        }
    }

    private void uniqueIndex(TableChange tc, String name, List<String> physicalColumns) {
        step(
                Stage.VALIDATE,
                "build unique index " + name + " concurrently",
                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS " + Sql.id(name) + " ON " + t(tc.table) + " ("
                        + Sql.ids(physicalColumns) + ")",
                LockMode.SHARE_UPDATE_EXCLUSIVE,
                false,
                size(tc.existing));
    }
}
