package dev.tandem.core;

import dev.tandem.core.Operation.AddColumn;
import dev.tandem.core.Operation.AlterColumn;
import dev.tandem.core.Operation.DropColumn;
import dev.tandem.core.Operation.MoveTable;
import dev.tandem.core.Operation.RawSql;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The rules that look at one operation: whether both shapes can be kept in sync and backfilled. */
final class OperationRules {
    /** Calls whose value differs per row or per batch of the backfill. */
    private static final Pattern VOLATILE = Pattern.compile(
            "\\b(now|random|gen_random_uuid|uuid_generate_v[14]|uuidv4|uuidv7|clock_timestamp|statement_timestamp"
                    + "|transaction_timestamp|timeofday|nextval)\\s*\\(|\\b(current_timestamp|current_time|current_date"
                    + "|localtimestamp|localtime)\\b",
            Pattern.CASE_INSENSITIVE);

    private OperationRules() {}

    static void check(Operation operation, List<LintFinding> findings) {
        expressions(operation).forEach((what, expression) -> {
            if (SqlExpressions.readsOtherRows(expression)) {
                findings.add(LintRule.CROSS_TABLE_EXPRESSION.finding(
                        operation.location(),
                        what + " reads other rows (a subquery); it is evaluated when a row is written or backfilled,"
                                + " not when the rows it reads change. Qualify the other table's columns with its"
                                + " name: an unqualified name is read as this table's column"));
            }
        });
        switch (operation) {
            case RawSql op -> rawSql(op, findings);
            case AddColumn op -> addColumn(op, findings);
            case AlterColumn op -> alterColumn(op, findings);
            case MoveTable op -> moveTable(op, findings);
            case DropColumn op -> {
                if (op.down() == null) {
                    findings.add(LintRule.DROP_COLUMN_WITHOUT_DOWN.finding(
                            op.location(),
                            "drop_column of " + op.table() + "." + op.column() + " has no 'down'; rows written"
                                    + " through the new shape leave " + op.column()
                                    + " NULL (or its default) for old-shape clients"));
                }
            }
            default -> {
                // nothing to check on one operation alone
            }
        }
    }

    /** Each up and down expression of the operation, by a description of where it is. */
    private static java.util.Map<String, String> expressions(Operation operation) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        switch (operation) {
            case AddColumn op ->
                out.put("'up' of " + op.table() + "." + op.column().name(), op.up());
            case DropColumn op -> out.put("'down' of " + op.table() + "." + op.column(), op.down());
            case AlterColumn op -> {
                out.put("'up' of " + op.table() + "." + op.column(), op.up());
                out.put("'down' of " + op.table() + "." + op.column(), op.down());
            }
            case Operation.CreateConstraint op -> {
                op.up().forEach((c, e) -> out.put("'up' of " + op.table() + "." + c, e));
                op.down().forEach((c, e) -> out.put("'down' of " + op.table() + "." + c, e));
            }
            case Operation.DropConstraint op -> {
                op.up().forEach((c, e) -> out.put("'up' of " + op.table() + (c.isEmpty() ? "" : "." + c), e));
                op.down().forEach((c, e) -> out.put("'down' of " + op.table() + (c.isEmpty() ? "" : "." + c), e));
            }
            case MoveTable op -> {
                op.columns().forEach((c, e) -> out.put("'columns." + c + "' of move_table " + op.table(), e));
                op.reverse().forEach((c, e) -> out.put("'reverse." + c + "' of move_table " + op.table(), e));
            }
            default -> {
                // no expressions
            }
        }
        out.values().removeIf(java.util.Objects::isNull);
        return out;
    }

    private static void rawSql(RawSql op, List<LintFinding> findings) {
        findings.add(LintRule.UNCHECKED_SQL.finding(op.location(), "tandem cannot check raw SQL; review it by hand"));
        if (op.down() == null && !op.irreversible() && !op.onComplete()) {
            findings.add(LintRule.SQL_WITHOUT_DOWN.finding(
                    op.location(),
                    "sql has no 'down', so the migration cannot be rolled back; write the reverse SQL, or mark the"
                            + " operation 'irreversible: true' to say so"));
        }
        if (op.blocksRollback()) {
            findings.add(LintRule.IRREVERSIBLE_SQL.finding(
                    op.location(), "sql is marked irreversible: once started, this migration cannot be rolled back"));
        }
    }

    private static void addColumn(AddColumn op, List<LintFinding> findings) {
        ColumnSpec column = op.column();
        String field = op.table() + "." + column.name();
        if (!column.nullable() && column.defaultValue() == null && op.up() == null) {
            findings.add(LintRule.NOT_NULL_WITHOUT_DEFAULT.finding(
                    op.location(),
                    "add_column adds NOT NULL column " + field + " with neither 'default' nor 'up'; existing rows"
                            + " and old-shape inserts would have no value"));
        }
        if (column.defaultValue() != null) {
            Matcher call = VOLATILE.matcher(column.defaultValue());
            if (call.find()) {
                String function = call.group(1) != null ? call.group(1) + "()" : call.group(2);
                findings.add(
                        LintRule.VOLATILE_DEFAULT.finding(
                                column.location(),
                                "the default of " + field + " calls " + function
                                        + ", which the backfill evaluates row by"
                                        + " row, so existing rows get different values; use a constant, or compute it in 'up'"));
            }
        }
    }

    /**
     * A move without {@code reverse} feeds the source after cutover only through the columns mapped
     * by name; a column the target computes cannot be turned back into the source columns it was
     * computed from, so revert would lose them. A volatile expression gives the target a value the
     * verification cannot reproduce from the source, so it would always report drift.
     */
    private static void moveTable(MoveTable op, List<LintFinding> findings) {
        List<String> computed = op.columns().keySet().stream()
                .filter(target -> op.sourceOf(target).isEmpty())
                .toList();
        if (op.reverse().isEmpty() && !computed.isEmpty()) {
            findings.add(LintRule.MOVE_WITHOUT_REVERSE.finding(
                    op.location(),
                    "move_table of " + op.table() + " has no 'reverse', but 'columns' computes "
                            + String.join(", ", computed) + ": after cutover the source is fed back only through"
                            + " the columns mapped by name, so a source column that is not could not be fed and"
                            + " cutover back (revert) would not be possible; give 'reverse', an expression over "
                            + op.toTable() + " for each such column"));
        }
        java.util.Map<String, String> all = new java.util.LinkedHashMap<>();
        op.columns().forEach((c, e) -> all.put("columns." + c, e));
        op.reverse().forEach((c, e) -> all.put("reverse." + c, e));
        all.forEach((field, expression) -> {
            Matcher call = VOLATILE.matcher(expression);
            if (call.find()) {
                String function = call.group(1) != null ? call.group(1) + "()" : call.group(2);
                findings.add(LintRule.MOVE_VOLATILE_EXPRESSION.finding(
                        op.location(),
                        "'" + field + "' of move_table " + op.table() + " calls " + function + ", so a row copied"
                                + " twice gets two values and verification reports drift; compute it from the"
                                + " row's columns only"));
            }
        });
    }

    private static void alterColumn(AlterColumn op, List<LintFinding> findings) {
        String field = op.table() + "." + op.column();
        if (Boolean.FALSE.equals(op.nullable()) && op.up() == null) {
            findings.add(LintRule.ALTER_NOT_NULL_WITHOUT_UP.finding(
                    op.location(),
                    "alter_column makes " + field + " NOT NULL without 'up'; existing NULLs would fail;"
                            + " give 'up', such as coalesce(" + op.column() + ", <value>)"));
        }
        if (op.type() != null && (op.up() == null || op.down() == null)) {
            String missing =
                    op.up() == null && op.down() == null ? "'up' and 'down'" : op.up() == null ? "'up'" : "'down'";
            findings.add(LintRule.ALTER_WITHOUT_UP_DOWN.finding(
                    op.location(),
                    "alter_column changes the type of " + field + " to " + op.type() + " without " + missing
                            + "; give both conversions, such as up: " + op.column() + "::" + op.type()));
        }
    }
}
