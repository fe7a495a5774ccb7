package dev.tandem.core;

import dev.tandem.core.Operation.AddColumn;
import dev.tandem.core.Operation.AlterColumn;
import dev.tandem.core.Operation.CreateConstraint;
import dev.tandem.core.Operation.CreateIndex;
import dev.tandem.core.Operation.CreateTable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * {@code require-index-for-fk}: PostgreSQL does not index the referencing side of a foreign key, so
 * every delete or key update on the referenced table scans the referencing one. A new foreign key
 * should come with an index whose leading columns are its columns, in the same migration.
 */
final class ForeignKeyIndexRule {
    /** A new foreign key: its table and columns, the referenced side, and whether it is indexed already. */
    private record ForeignKey(
            String table, List<String> columns, ForeignKeyRef references, boolean indexed, SourceLocation at) {}

    /** A new index or unique constraint that a foreign-key lookup can use. */
    private record Index(String table, List<String> columns) {
        boolean covers(ForeignKey key) {
            return table.equals(key.table())
                    && columns.size() >= key.columns().size()
                    && new HashSet<>(columns.subList(0, key.columns().size())).equals(new HashSet<>(key.columns()));
        }
    }

    private ForeignKeyIndexRule() {}

    private static void constraint(String table, TableConstraint k, List<ForeignKey> keys, List<Index> indexes) {
        if (k.type() == ConstraintType.FOREIGN_KEY && k.references() != null) {
            keys.add(new ForeignKey(table, k.columns(), k.references(), false, k.location()));
        } else if (k.type() == ConstraintType.UNIQUE || k.type() == ConstraintType.PRIMARY_KEY) {
            indexes.add(new Index(table, k.columns()));
        }
    }

    static void check(Migration migration, List<LintFinding> findings) {
        List<ForeignKey> keys = new ArrayList<>();
        List<Index> indexes = new ArrayList<>();
        for (Operation operation : migration.operations()) {
            switch (operation) {
                case CreateTable op -> {
                    String firstKey = op.columns().stream()
                            .filter(ColumnSpec::primaryKey)
                            .map(ColumnSpec::name)
                            .findFirst()
                            .orElse(null);
                    for (ColumnSpec column : op.columns()) {
                        boolean indexed = column.unique() || column.name().equals(firstKey);
                        add(keys, op.name(), column.name(), column.references(), indexed, column.location());
                    }
                    for (TableConstraint k : op.constraints()) {
                        constraint(op.name(), k, keys, indexes);
                    }
                }
                case AddColumn op -> {
                    ColumnSpec column = op.column();
                    add(keys, op.table(), column.name(), column.references(), column.unique(), column.location());
                }
                case AlterColumn op ->
                    add(
                            keys,
                            op.table(),
                            op.newName(),
                            op.references(),
                            Boolean.TRUE.equals(op.unique()),
                            op.location());
                case CreateConstraint op -> constraint(op.table(), op.constraint(), keys, indexes);
                case CreateIndex op -> indexes.add(new Index(op.table(), op.columnNames()));
                default -> {
                    // no foreign key and no index
                }
            }
        }
        for (ForeignKey key : keys) {
            if (!key.indexed() && indexes.stream().noneMatch(index -> index.covers(key))) {
                String columns = String.join(", ", key.columns());
                findings.add(LintRule.REQUIRE_INDEX_FOR_FK.finding(
                        key.at(),
                        "the foreign key " + key.table() + "(" + columns + ") -> "
                                + key.references().table() + "("
                                + String.join(", ", key.references().columns()) + ") has no index on "
                                + key.table() + "(" + columns + ") in this migration; deletes on "
                                + key.references().table() + " would scan " + key.table()
                                + "; add a create_index unless one exists already"));
            }
        }
    }

    private static void add(
            List<ForeignKey> keys,
            String table,
            String column,
            ForeignKeyRef references,
            boolean indexed,
            SourceLocation at) {
        if (references != null) {
            keys.add(new ForeignKey(table, List.of(column), references, indexed, at));
        }
    }
}
