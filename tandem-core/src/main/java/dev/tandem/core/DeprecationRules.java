package dev.tandem.core;

import dev.tandem.core.Operation.AlterColumn;
import dev.tandem.core.Operation.DropColumn;
import dev.tandem.core.Operation.DropTable;
import dev.tandem.core.Operation.RenameColumn;
import dev.tandem.core.Operation.RenameTable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code deprecation-required}: clients on the old shape still use what a drop or rename takes away,
 * so each needs a deprecation whose sunset gates {@code complete}. {@code deprecation-unused}: a
 * deprecation that matches no drop or rename is probably misspelt.
 */
final class DeprecationRules {
    /** A field that an operation removes from the old shape, and what the operation does to it. */
    private record Removal(Operation operation, String field, String verb) {}

    private DeprecationRules() {}

    static void check(Migration migration, List<LintFinding> findings) {
        Set<String> deprecated = new HashSet<>();
        for (Deprecation deprecation : migration.deprecations()) {
            deprecated.add(deprecation.field());
        }
        List<Removal> removals = removals(migration.operations());
        Set<String> removed = new HashSet<>();
        for (Removal removal : removals) {
            removed.add(removal.field());
            if (!deprecated.contains(removal.field())) {
                findings.add(LintRule.DEPRECATION_REQUIRED.finding(
                        removal.operation().location(),
                        removal.operation().kind() + " " + removal.verb() + " " + removal.field()
                                + ", which clients on the old shape may still use; add '{ field: "
                                + removal.field() + ", sunset: YYYY-MM-DD }' to deprecations"));
            }
        }
        for (Deprecation deprecation : migration.deprecations()) {
            String field = deprecation.field();
            String table = field.contains(".") ? field.substring(0, field.indexOf('.')) : null;
            if (!removed.contains(field) && (table == null || !removed.contains(table))) {
                findings.add(LintRule.DEPRECATION_UNUSED.finding(
                        deprecation.location(),
                        "the deprecation of '" + field + "' matches no drop or rename in this migration;"
                                + " fix its name or remove it"));
            }
        }
    }

    private static List<Removal> removals(List<Operation> operations) {
        List<Removal> removals = new ArrayList<>();
        for (Operation operation : operations) {
            switch (operation) {
                case DropColumn op -> removals.add(new Removal(op, op.table() + "." + op.column(), "removes"));
                case DropTable op -> removals.add(new Removal(op, op.name(), "removes"));
                case RenameColumn op -> removals.add(new Removal(op, op.table() + "." + op.from(), "renames"));
                case RenameTable op -> removals.add(new Removal(op, op.from(), "renames"));
                case AlterColumn op
                when op.name() != null -> removals.add(new Removal(op, op.table() + "." + op.column(), "renames"));
                default -> {
                    // the other operations keep every field of the old shape
                }
            }
        }
        return removals;
    }
}
