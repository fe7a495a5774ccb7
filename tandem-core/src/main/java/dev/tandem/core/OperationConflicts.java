package dev.tandem.core;

import dev.tandem.core.Operation.AddColumn;
import dev.tandem.core.Operation.AlterColumn;
import dev.tandem.core.Operation.CreateConstraint;
import dev.tandem.core.Operation.CreateIndex;
import dev.tandem.core.Operation.CreateTable;
import dev.tandem.core.Operation.DropColumn;
import dev.tandem.core.Operation.DropConstraint;
import dev.tandem.core.Operation.DropIndex;
import dev.tandem.core.Operation.DropTable;
import dev.tandem.core.Operation.MoveTable;
import dev.tandem.core.Operation.RawSql;
import dev.tandem.core.Operation.RenameColumn;
import dev.tandem.core.Operation.RenameConstraint;
import dev.tandem.core.Operation.RenameTable;
import dev.tandem.core.Operation.SetReplicaIdentity;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Refuses two operations of one migration that change the same column or table: their order would
 * matter, and the two shapes could not both be served. A table that move_table hands to another store
 * is touched by no other operation of its migration, not even one that changes no column's shape (an
 * index, a constraint): the move copies the table as it is. The problem stands at the later operation
 * and names both.
 */
final class OperationConflicts {
    /**
     * One table or column an operation changes; {@code column} is null for a table. A claim that only
     * {@code touches} the table (an index, a constraint) conflicts with a move only.
     */
    private record Claim(Operation operation, String table, String column, boolean touches) {
        String describe() {
            return column == null ? "table " + table : table + "." + column;
        }

        boolean conflictsWith(Claim other) {
            if (!table.equals(other.table)) {
                return false;
            }
            if (touches || other.touches) {
                return isMove() || other.isMove();
            }
            return column == null || other.column == null || column.equals(other.column);
        }

        boolean isMove() {
            return operation instanceof MoveTable;
        }
    }

    private OperationConflicts() {}

    static void check(List<Operation> operations, Problems problems) {
        List<Claim> claims = new ArrayList<>();
        for (Operation operation : operations) {
            claims.addAll(claims(operation));
        }
        Set<Operation> reported = new HashSet<>();
        for (int j = 0; j < claims.size(); j++) {
            Claim later = claims.get(j);
            for (int i = 0; i < j; i++) {
                Claim earlier = claims.get(i);
                if (earlier.operation() != later.operation()
                        && earlier.conflictsWith(later)
                        && reported.add(later.operation())) {
                    problems.add(later.operation().location(), message(earlier, later));
                }
            }
        }
    }

    private static String message(Claim earlier, Claim later) {
        if (earlier.isMove() || later.isMove()) {
            Claim move = earlier.isMove() ? earlier : later;
            Claim other = earlier.isMove() ? later : earlier;
            return "table " + later.table() + " is moved to another store by move_table at "
                    + move.operation().location() + ", so " + other.operation().kind() + " at "
                    + other.operation().location() + " cannot change it in the same migration; put one of them"
                    + " in a later migration";
        }
        String what = earlier.column() != null && later.column() != null ? later.describe() : "table " + later.table();
        return what + " is changed by two operations: " + earlier.operation().kind() + " at "
                + earlier.operation().location() + " and " + later.operation().kind() + " at "
                + later.operation().location() + "; put one of them in a later migration";
    }

    private static List<Claim> claims(Operation operation) {
        List<Claim> claims = new ArrayList<>();
        switch (operation) {
            case CreateTable op -> add(claims, op, op.name(), null);
            case DropTable op -> add(claims, op, op.name(), null);
            case RenameTable op -> {
                add(claims, op, op.from(), null);
                add(claims, op, op.to(), null);
            }
            case AddColumn op ->
                add(
                        claims,
                        op,
                        op.table(),
                        op.column() == null ? null : op.column().name());
            case DropColumn op -> add(claims, op, op.table(), op.column());
            case RenameColumn op -> {
                add(claims, op, op.table(), op.from());
                add(claims, op, op.table(), op.to());
            }
            case AlterColumn op -> {
                add(claims, op, op.table(), op.column());
                add(claims, op, op.table(), op.name());
            }
            case MoveTable op -> add(claims, op, op.table(), null);
            case CreateIndex op -> touch(claims, op, op.table());
            case CreateConstraint op -> touch(claims, op, op.table());
            case DropConstraint op -> touch(claims, op, op.table());
            case SetReplicaIdentity op -> touch(claims, op, op.table());
            case RenameConstraint op -> touch(claims, op, op.table());
            case DropIndex op -> {
                // names no table; the engine finds it
            }
            case RawSql op -> {
                // tandem cannot tell what raw SQL touches; lint marks it as unchecked
            }
        }
        return claims;
    }

    private static void add(List<Claim> claims, Operation operation, String table, String column) {
        boolean tableLevel = operation instanceof CreateTable
                || operation instanceof DropTable
                || operation instanceof RenameTable
                || operation instanceof MoveTable;
        if (table != null && (tableLevel || column != null)) {
            claims.add(new Claim(operation, table, column, false));
        }
    }

    /** Indexes and constraints change no column's shape, but a moved table must not change at all. */
    private static void touch(List<Claim> claims, Operation operation, String table) {
        if (table != null) {
            claims.add(new Claim(operation, table, null, true));
        }
    }
}
