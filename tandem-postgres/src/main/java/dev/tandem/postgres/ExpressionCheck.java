package dev.tandem.postgres;

import dev.tandem.core.Operation;
import dev.tandem.core.Problem;
import dev.tandem.core.SourceLocation;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks the owner's SQL (types, {@code up}, {@code down} and {@code default} expressions) against the
 * live database before anything changes, by planning a query that evaluates nothing: {@code SELECT
 * (expression)::type FROM <shape> LIMIT 0}. A bad expression is a problem at its operation, not a
 * trigger that fails on every write after start.
 */
final class ExpressionCheck {
    private final Connection c;
    private final ShapeModel model;
    private final List<Problem> problems = new ArrayList<>();

    private ExpressionCheck(Connection c, ShapeModel model) {
        this.c = c;
        this.model = model;
    }

    /** Runs every check inside a transaction that is rolled back, so even a hostile expression changes nothing. */
    static List<Problem> check(Connection c, ShapeModel model) throws SQLException {
        ExpressionCheck check = new ExpressionCheck(c, model);
        c.setAutoCommit(false);
        try {
            try (Statement s = c.createStatement()) {
                // Defence in depth: fragments were checked to be single expressions.
                s.execute("SET TRANSACTION READ ONLY");
            }
            for (Operation op : model.migration.operations()) {
                check.operation(op);
            }
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
        return check.problems;
    }

    private void operation(Operation op) {
        TableChange t = model.tableOf(op);
        switch (op) {
            case Operation.AddColumn ac
            when t != null && !t.isNew() -> {
                type(op, ac.column().type());
                oldShape(op, t, "up", ac.up(), ac.column().type());
                oldShape(
                        op,
                        t,
                        "default",
                        ac.column().defaultValue(),
                        ac.column().type());
            }
            case Operation.DropColumn dc
            when t != null -> {
                String physical = dc.column();
                t.existing.column(physical).ifPresent(col -> newShape(op, t, "down", dc.down(), col.type()));
            }
            case Operation.AlterColumn al
            when t != null && al.needsCopy() -> {
                if (al.type() != null) {
                    type(op, al.type());
                }
                t.copies.stream()
                        .filter(cp -> cp.finalName().equals(al.newName()))
                        .findFirst()
                        .ifPresent(cp -> {
                            oldShape(op, t, "up", al.up(), cp.type());
                            newShape(op, t, "down", al.down(), cp.original().type());
                            oldShape(op, t, "default", al.defaultValue(), cp.type());
                        });
            }
            case Operation.CreateConstraint cc
            when t != null ->
                cc.up().forEach((col, up) -> t.copies.stream()
                        .filter(cp -> cp.finalName().equals(col))
                        .findFirst()
                        .ifPresent(cp -> {
                            oldShape(op, t, "up." + col, up, cp.type());
                            newShape(
                                    op,
                                    t,
                                    "down." + col,
                                    cc.down().get(col),
                                    cp.original().type());
                        }));
            case Operation.CreateTable ct -> {
                ct.columns().forEach(col -> type(op, col.type()));
                generated(op, ct);
            }
            case Operation.MoveTable mt
            when t != null ->
                // Over the source table as it is; whether each value fits its target column's type is
                // for the relay's check, which reads the target store.
                mt.columns().forEach((column, e) -> oldShape(op, t, "columns." + column, e, null));
            default -> {}
        }
    }

    /** Each generated expression of a new table, over that table's columns as typed NULLs. */
    private void generated(Operation op, Operation.CreateTable ct) {
        List<String> columns = new ArrayList<>();
        ct.columns().forEach(c -> columns.add("NULL::" + SerialTypes.castable(c.type()) + " AS " + Sql.id(c.name())));
        for (dev.tandem.core.ColumnSpec c : ct.columns()) {
            if (c.generated() instanceof dev.tandem.core.Generated.Expression e) {
                run(
                        op.location(),
                        "'generated.expression' of " + c.name(),
                        "SELECT (" + e.expression() + ")::" + SerialTypes.castable(c.type()) + " FROM (SELECT "
                                + String.join(", ", columns) + ") AS new_table LIMIT 0");
            }
        }
    }

    private void type(Operation op, String type) {
        run(op.location(), "type '" + type + "'", "SELECT NULL::" + SerialTypes.castable(type));
    }

    /** Plans {@code expression} over the table as it is, cast to {@code type} unless that is null. */
    private void oldShape(Operation op, TableChange t, String field, String expression, String type) {
        if (expression != null) {
            run(
                    op.location(),
                    "'" + field + "'",
                    "SELECT (" + expression + ")" + (type == null ? "" : "::" + type) + " FROM "
                            + Sql.id(model.migration.schema(), t.table)
                            + " LIMIT 0");
        }
    }

    /** The new shape as typed NULL columns, under the names the new shape gives them. */
    private void newShape(Operation op, TableChange t, String field, String expression, String type) {
        if (expression == null) {
            return;
        }
        List<String> columns = new ArrayList<>();
        for (Map.Entry<String, String> e : t.newShape.entrySet()) {
            columns.add("NULL::" + t.typeOf(e.getValue()) + " AS " + Sql.id(e.getKey()));
        }
        run(
                op.location(),
                "'" + field + "'",
                "SELECT (" + expression + ")::" + type + " FROM (SELECT " + String.join(", ", columns)
                        + ") AS new_shape LIMIT 0");
    }

    private void run(SourceLocation at, String what, String sql) {
        java.sql.Savepoint savepoint = null;
        try (Statement s = c.createStatement()) {
            savepoint = c.setSavepoint();
            s.execute(sql);
            c.releaseSavepoint(savepoint);
        } catch (SQLException e) {
            try {
                if (savepoint != null) {
                    c.rollback(savepoint);
                }
            } catch (SQLException ignored) {
                // the enclosing transaction is rolled back anyway
            }
            String message = e.getMessage() == null
                    ? e.getSQLState()
                    : e.getMessage().lines().findFirst().orElse("").replaceFirst("^ERROR: ", "");
            problems.add(new Problem(at, what + " is not valid here: " + message));
        }
    }
}
