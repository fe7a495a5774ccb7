package dev.tandem.postgres;

import java.util.List;

/**
 * What a migration does to the database, as data: the ordered SQL steps of every stage, and the
 * backfill of each table. {@code plan} prints it; {@code start}, {@code complete} and
 * {@code rollback} run it.
 */
record Recipe(List<PlannedStep> steps, List<BackfillSpec> backfills) {
    Recipe {
        steps = List.copyOf(steps);
        backfills = List.copyOf(backfills);
    }

    List<PlannedStep> stage(Stage stage) {
        return steps.stream().filter(s -> s.stage() == stage).toList();
    }

    /**
     * How one table is backfilled: in ranges of {@code keyColumns} (its row key, or {@code ctid} for a
     * table without one: {@link BackfillSql#byCtid}), setting each new column that is still NULL from
     * its {@code up} expression over the old shape.
     */
    record BackfillSpec(
            String schema,
            String table,
            List<String> keyColumns,
            List<String> keyTypes,
            List<Assignment> assignments,
            long estimatedRows) {}

    record Assignment(String column, String expression) {}
}
