package dev.tandem.postgres;

import dev.tandem.core.ColumnSpec;
import dev.tandem.core.Migration;
import dev.tandem.core.Operation;
import dev.tandem.core.Problem;
import dev.tandem.core.TableConstraint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks the shape of the SQL fragments a file hands to tandem (types, defaults, checks, predicates,
 * {@code up} and {@code down}) before any of them reaches the database: each must be one expression,
 * never a ';' that would start another statement, and an {@code up} or {@code down} (or a
 * move's {@code columns} and {@code reverse}) must read its own row by bare column names, as the
 * triggers evaluate it. Raw {@code sql} is exempt: it is
 * statements by design, and lint marks it as unchecked.
 */
final class FragmentCheck {
    private FragmentCheck() {}

    static List<Problem> check(Migration m) {
        List<Problem> problems = new ArrayList<>();
        for (Operation op : m.operations()) {
            Map<String, String> fragments = new LinkedHashMap<>();
            Map<String, String> rowExpressions = new LinkedHashMap<>();
            switch (op) {
                case Operation.CreateTable ct -> {
                    ct.columns().forEach(c -> column(c.name() + ".", c, fragments));
                    ct.constraints().forEach(k -> constraint("constraints." + k.name() + ".", k, fragments));
                }
                case Operation.AddColumn ac -> {
                    column("column.", ac.column(), fragments);
                    rowExpressions.put("up", ac.up());
                }
                case Operation.DropColumn dc -> rowExpressions.put("down", dc.down());
                case Operation.AlterColumn al -> {
                    fragments.put("type", al.type());
                    fragments.put("default", al.defaultValue());
                    fragments.put("check", al.check());
                    rowExpressions.put("up", al.up());
                    rowExpressions.put("down", al.down());
                }
                case Operation.CreateIndex ci -> {
                    fragments.put("method", ci.method());
                    fragments.put("predicate", ci.predicate());
                    fragments.put("storage_parameters", ci.storageParameters());
                    ci.columns().forEach(c -> c.opclassParams()
                            .forEach(p -> fragments.put("columns." + c.column() + ".opclass.params", p)));
                }
                case Operation.CreateConstraint cc -> {
                    constraint("", cc.constraint(), fragments);
                    cc.up().forEach((column, e) -> rowExpressions.put("up." + column, e));
                    cc.down().forEach((column, e) -> rowExpressions.put("down." + column, e));
                }
                case Operation.DropTable ignored -> {}
                case Operation.RenameTable ignored -> {}
                case Operation.RenameColumn ignored -> {}
                case Operation.DropIndex ignored -> {}
                case Operation.DropConstraint dc -> {
                    dc.up().forEach((column, e) -> rowExpressions.put(column.isEmpty() ? "up" : "up." + column, e));
                    dc.down()
                            .forEach(
                                    (column, e) -> rowExpressions.put(column.isEmpty() ? "down" : "down." + column, e));
                }
                case Operation.SetReplicaIdentity ignored -> {}
                case Operation.RenameConstraint ignored -> {}
                case Operation.RawSql ignored -> {}
                case Operation.MoveTable mt -> {
                    // columns are evaluated over a source row, reverse over a target row, both by the
                    // capture triggers: each reads its own row by bare column names.
                    mt.columns().forEach((column, e) -> rowExpressions.put("columns." + column, e));
                    mt.reverse().forEach((column, e) -> rowExpressions.put("reverse." + column, e));
                }
            }
            fragments.putAll(rowExpressions);
            fragments.forEach((field, text) -> {
                if (text != null && Sql.hasLineComment(text)) {
                    problems.add(new Problem(
                            op.location(),
                            "'" + field + "' holds a -- comment: write /* ... */ instead,"
                                    + " as tandem embeds the expression in larger statements"));
                } else if (text != null && Sql.hasStatementSeparator(text)) {
                    problems.add(new Problem(
                            op.location(),
                            "'" + field + "' holds a ';': it must be a single SQL expression"
                                    + " (use a `sql` operation for statements)"));
                }
            });
            rowExpressions.forEach((field, text) -> {
                if (text != null) {
                    Sql.rowExpressionProblem(text)
                            .ifPresent(why ->
                                    problems.add(new Problem(op.location(), "'" + field + "' cannot be used: " + why)));
                }
            });
        }
        return problems;
    }

    private static void constraint(String prefix, TableConstraint k, Map<String, String> fragments) {
        fragments.put(prefix + "check", k.check());
        fragments.put(prefix + "index_parameters.storage_parameters", k.index().storageParameters());
        if (k.exclusion() != null) {
            fragments.put(prefix + "exclude.elements", k.exclusion().elements());
            fragments.put(prefix + "exclude.predicate", k.exclusion().predicate());
        }
    }

    private static void column(String prefix, ColumnSpec c, Map<String, String> fragments) {
        fragments.put(prefix + "type", c.type());
        fragments.put(prefix + "default", c.defaultValue());
        fragments.put(prefix + "check", c.check());
        if (c.generated() instanceof dev.tandem.core.Generated.Expression e) {
            fragments.put(prefix + "generated.expression", e.expression());
        } else if (c.generated() instanceof dev.tandem.core.Generated.Identity i) {
            fragments.put(prefix + "generated.identity.sequence_options", i.sequenceOptions());
        }
    }
}
