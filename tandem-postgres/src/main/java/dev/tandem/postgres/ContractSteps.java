package dev.tandem.postgres;

import dev.tandem.core.ConstraintType;
import dev.tandem.core.Operation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The steps of {@code complete} (contract: the old shape goes) and {@code rollback} (the new shape
 * goes), compiled with the rest of the recipe at start.
 */
final class ContractSteps {
    private final RecipeBuilder b;

    ContractSteps(RecipeBuilder b) {
        this.b = b;
    }

    // ---- complete

    void complete() {
        for (TableChange tc : b.model.tables()) {
            if (tc.isNew() || tc.dropped) {
                continue;
            }
            List<String> sql = new ArrayList<>();
            // View first, then table: the order a new-shape reader takes them in, so the two never
            // wait on each other in a cycle.
            sql.add("LOCK TABLE " + Sql.id(b.vschema, tc.finalName()) + ", " + b.t(tc.table)
                    + " IN ACCESS EXCLUSIVE MODE");
            sql.add(VersionSchema.dropView(b.vschema, tc));
            if (tc.needsSync()) {
                sql.add(SyncTrigger.drop(b.schema, tc));
                sql.add("ALTER TABLE " + b.t(tc.table) + " DROP COLUMN " + Sql.id(SyncTrigger.VIA));
            }
            String alter = "ALTER TABLE " + b.t(tc.table) + " ";
            for (TableChange.Added a : tc.added) {
                String c = a.spec().name();
                if (!a.spec().nullable()) {
                    sql.add(alter + "ALTER COLUMN " + Sql.id(c) + " SET NOT NULL");
                    sql.add(alter + "DROP CONSTRAINT " + Sql.id(b.notNullName(tc, c)));
                }
                if (a.spec().unique()) {
                    String k = b.named(a.spec().uniqueName(), tc, c, "key");
                    sql.add(alter + "ADD CONSTRAINT " + Sql.id(k) + " UNIQUE USING INDEX " + Sql.id(k));
                }
            }
            // Privileges, comments and settings as the originals have them now, grants made since start included.
            sql.addAll(b.copiedSettings(tc));
            for (TableChange.Copy c : tc.copies) {
                String seq = tc.existing.ownedSequences().get(c.column());
                if (seq != null) {
                    sql.add("ALTER SEQUENCE " + seq + " OWNED BY " + b.t(tc.table) + "." + Sql.id(c.copy()));
                }
                String sequenceType = CopyFidelity.sequenceType(tc, c);
                if (sequenceType != null) {
                    sql.add(sequenceType);
                }
                if (c.notNull()) {
                    sql.add(alter + "ALTER COLUMN " + Sql.id(c.copy()) + " SET NOT NULL");
                    sql.add(alter + "DROP CONSTRAINT " + Sql.id(b.notNullName(tc, c.finalName())));
                }
                sql.add(alter + "DROP COLUMN " + Sql.id(c.column()));
                sql.add(alter + "RENAME COLUMN " + Sql.id(c.copy()) + " TO " + Sql.id(c.finalName()));
            }
            // Once every copy has its final name: an index or a constraint may hold more than one of them.
            for (Catalog.Index index : tc.copies.isEmpty() ? List.<Catalog.Index>of() : CopyFidelity.indexes(tc)) {
                String rebuilt = Sql.id(b.rebuiltIndexName(index.name()));
                if (index.primary()) {
                    sql.add(alter + "ADD CONSTRAINT " + Sql.id(index.constraintName()) + " PRIMARY KEY USING INDEX "
                            + rebuilt);
                } else if (index.constraintName() != null) {
                    sql.add(alter + "ADD CONSTRAINT " + Sql.id(index.constraintName()) + " UNIQUE USING INDEX "
                            + rebuilt);
                } else {
                    sql.add("ALTER INDEX " + Sql.id(b.schema, b.rebuiltIndexName(index.name())) + " RENAME TO "
                            + Sql.id(index.name()));
                }
                sql.addAll(CopyFidelity.comments(b.schema, b.t(tc.table), index, tc.existing));
            }
            for (Catalog.Constraint k :
                    tc.copies.isEmpty() ? List.<Catalog.Constraint>of() : CopyFidelity.constraints(tc)) {
                sql.add(alter + "RENAME CONSTRAINT " + Sql.id(b.rebuiltIndexName(k.name())) + " TO "
                        + Sql.id(k.name()));
                if (k.comment() != null) {
                    sql.add(CopyFidelity.comment(b.t(tc.table), k));
                }
            }
            for (TableChange.Copy c : tc.copies) {
                if (c.unique()) {
                    String k = b.named(c.uniqueName(), tc, c.finalName(), "key");
                    sql.add(alter + "ADD CONSTRAINT " + Sql.id(k) + " UNIQUE USING INDEX " + Sql.id(k));
                }
            }
            sql.addAll(CopyFidelity.statistics(b.t(tc.table), tc));
            for (TableChange.Dropped d : tc.droppedColumns) {
                sql.add(alter + "DROP COLUMN " + Sql.id(d.column()));
            }
            tc.renames.forEach((from, to) -> sql.add(alter + "RENAME COLUMN " + Sql.id(from) + " TO " + Sql.id(to)));
            for (Operation op : b.m.operations()) {
                if (op instanceof Operation.DropConstraint dc && b.model.tableOf(op) == tc) {
                    sql.add(alter + "DROP CONSTRAINT IF EXISTS " + Sql.id(dc.name()));
                }
                if (op instanceof Operation.CreateConstraint cc
                        && b.model.tableOf(op) == tc
                        && (cc.type() == ConstraintType.UNIQUE || cc.type() == ConstraintType.PRIMARY_KEY)) {
                    if (cc.type() == ConstraintType.PRIMARY_KEY) {
                        // SET NOT NULL finds the validated check and skips its scan.
                        for (String column : b.primaryKeyNotNulls(tc)) {
                            sql.add(alter + "ALTER COLUMN " + Sql.id(column) + " SET NOT NULL");
                            sql.add(alter + "DROP CONSTRAINT " + Sql.id(b.notNullName(tc, column)));
                        }
                    }
                    sql.add(alter + "ADD CONSTRAINT " + Sql.id(cc.name())
                            + (cc.type() == ConstraintType.PRIMARY_KEY ? " PRIMARY KEY" : " UNIQUE")
                            + " USING INDEX " + Sql.id(cc.name())
                            + (cc.constraint().deferrable() ? " DEFERRABLE" : "")
                            + (cc.constraint().initiallyDeferred() ? " INITIALLY DEFERRED" : ""));
                }
            }
            if (tc.renamedTo != null) {
                sql.add(alter + "RENAME TO " + Sql.id(tc.renamedTo));
            }
            if (sql.size() > 2 || tc.renamedTo != null) {
                b.step(
                        Stage.COMPLETE,
                        "contract " + b.schema + "." + tc.table + ": remove the old shape",
                        String.join(";\n", sql),
                        LockMode.ACCESS_EXCLUSIVE,
                        true,
                        "instant: catalog only");
            }
        }
        for (Operation op : b.m.operations()) {
            if (op instanceof Operation.DropIndex di) {
                b.step(
                        Stage.COMPLETE,
                        "drop index " + di.name() + " concurrently",
                        "DROP INDEX CONCURRENTLY IF EXISTS " + Sql.id(b.schema, di.name()),
                        LockMode.SHARE_UPDATE_EXCLUSIVE,
                        false,
                        "waits for running queries on the table");
            } else if (op instanceof Operation.DropTable dt) {
                b.step(
                        Stage.COMPLETE,
                        "drop table " + b.schema + "." + dt.name(),
                        "DROP TABLE IF EXISTS " + b.t(dt.name()),
                        LockMode.ACCESS_EXCLUSIVE,
                        true,
                        "instant");
            }
        }
        for (Operation op : b.m.operations()) {
            if (op instanceof Operation.RawSql raw && raw.onComplete()) {
                b.step(
                        Stage.COMPLETE,
                        "raw sql on complete (unchecked) at " + raw.location(),
                        raw.up(),
                        LockMode.ACCESS_EXCLUSIVE,
                        true,
                        "unknown: raw SQL");
            }
        }
        b.step(
                Stage.COMPLETE,
                "drop the version schema " + b.vschema + " and the sync functions",
                cleanup(),
                LockMode.NONE,
                true,
                "instant");
    }

    private String cleanup() {
        List<String> sql = new ArrayList<>();
        sql.add(VersionSchema.drop(b.vschema));
        for (TableChange tc : b.model.tables()) {
            if (tc.needsSync()) {
                sql.add(SyncTrigger.dropFunctions(b.m.id(), tc));
            }
        }
        return String.join(";\n", sql);
    }

    // ---- rollback

    void rollback() {
        b.step(
                Stage.ROLLBACK,
                "drop the version schema " + b.vschema,
                VersionSchema.drop(b.vschema),
                LockMode.NONE,
                true,
                "instant");
        List<Operation> reversed = new ArrayList<>(b.m.operations());
        Collections.reverse(reversed);
        for (Operation op : reversed) {
            if (op instanceof Operation.RawSql sql && sql.down() != null && !sql.onComplete()) {
                b.step(
                        Stage.ROLLBACK,
                        "raw sql down (unchecked) at " + sql.location(),
                        sql.down(),
                        LockMode.ACCESS_EXCLUSIVE,
                        true,
                        "unknown: raw SQL");
            } else if (op instanceof Operation.RenameConstraint rc) {
                String table = b.t(b.model.tableOf(op).table);
                b.step(
                        Stage.ROLLBACK,
                        "rename constraint " + rc.to() + " back to " + rc.from(),
                        "DO "
                                + Sql.dollarQuoted("""

                                BEGIN
                                  IF EXISTS (SELECT FROM pg_constraint WHERE conrelid = %s::regclass AND conname = %s) THEN
                                    ALTER TABLE %s RENAME CONSTRAINT %s TO %s;
                                  END IF;
                                END
                                """.formatted(
                                                Sql.literal(table),
                                                Sql.literal(rc.to()),
                                                table,
                                                Sql.id(rc.to()),
                                                Sql.id(rc.from()))),
                        LockMode.ACCESS_EXCLUSIVE,
                        true,
                        "instant: catalog only");
            } else if (op instanceof Operation.AlterColumn al
                    && al.changesComment()
                    && !b.model.tableOf(op).isNew()) {
                TableChange tc = b.model.tableOf(op);
                String column = RecipeBuilder.commentedColumn(tc, al);
                String before = tc.existing.columnComments().get(column);
                b.step(
                        Stage.ROLLBACK,
                        "put back the comment of " + b.schema + "." + tc.table + "." + column,
                        "COMMENT ON COLUMN " + b.t(tc.table) + "." + Sql.id(column) + " IS "
                                + (before == null ? "NULL" : Sql.literal(before)),
                        LockMode.SHARE_UPDATE_EXCLUSIVE,
                        true,
                        "instant: catalog only");
            } else if (op instanceof Operation.SetReplicaIdentity
                    && !b.model.tableOf(op).isNew()) {
                TableChange tc = b.model.tableOf(op);
                // Before the indexes this migration built are dropped: the identity may name one of them.
                b.step(
                        Stage.ROLLBACK,
                        "put back the replica identity of " + b.schema + "." + tc.table,
                        "ALTER TABLE " + b.t(tc.table) + " REPLICA IDENTITY " + tc.existing.replicaIdentity(),
                        LockMode.ACCESS_EXCLUSIVE,
                        true,
                        "instant: catalog only");
            } else if (op instanceof Operation.CreateIndex ci) {
                b.step(
                        Stage.ROLLBACK,
                        "drop index " + ci.name() + " concurrently",
                        "DROP INDEX CONCURRENTLY IF EXISTS " + Sql.id(b.schema, ci.name()),
                        LockMode.SHARE_UPDATE_EXCLUSIVE,
                        false,
                        "waits for running queries on the table");
            }
        }
        for (TableChange tc : b.model.tables()) {
            if (tc.isNew()) {
                b.step(
                        Stage.ROLLBACK,
                        "drop table " + b.schema + "." + tc.table,
                        "DROP TABLE IF EXISTS " + b.t(tc.table),
                        LockMode.ACCESS_EXCLUSIVE,
                        true,
                        "instant");
                continue;
            }
            List<String> sql = new ArrayList<>();
            sql.add("LOCK TABLE " + b.t(tc.table) + " IN ACCESS EXCLUSIVE MODE");
            if (tc.needsSync()) {
                sql.add(SyncTrigger.drop(b.schema, tc));
            }
            String alter = "ALTER TABLE " + b.t(tc.table) + " ";
            if (tc.needsSync()) {
                sql.add(alter + "DROP COLUMN IF EXISTS " + Sql.id(SyncTrigger.VIA));
            }
            tc.added.forEach(a ->
                    sql.add(alter + "DROP COLUMN IF EXISTS " + Sql.id(a.spec().name())));
            tc.copies.forEach(c -> sql.add(alter + "DROP COLUMN IF EXISTS " + Sql.id(c.copy())));
            b.primaryKeyNotNulls(tc)
                    .forEach(column ->
                            sql.add(alter + "DROP CONSTRAINT IF EXISTS " + Sql.id(b.notNullName(tc, column))));
            for (Operation op : b.m.operations()) {
                if (op instanceof Operation.CreateConstraint cc && b.model.tableOf(op) == tc) {
                    sql.add(alter + "DROP CONSTRAINT IF EXISTS " + Sql.id(cc.name()));
                    sql.add("DROP INDEX IF EXISTS " + Sql.id(b.schema, cc.name()));
                }
            }
            if (sql.size() > 1) {
                b.step(
                        Stage.ROLLBACK,
                        "remove the new shape of " + b.schema + "." + tc.table,
                        String.join(";\n", sql),
                        LockMode.ACCESS_EXCLUSIVE,
                        true,
                        "instant: catalog only");
            }
        }
        List<String> functions = new ArrayList<>();
        b.model.tables().stream()
                .filter(TableChange::needsSync)
                .forEach(tc -> functions.add(SyncTrigger.dropFunctions(b.m.id(), tc)));
        if (!functions.isEmpty()) {
            b.step(
                    Stage.ROLLBACK,
                    "drop the sync functions",
                    String.join(";\n", functions),
                    LockMode.NONE,
                    true,
                    "instant");
        }
    }
}
