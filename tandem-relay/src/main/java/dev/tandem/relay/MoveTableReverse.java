package dev.tandem.relay;

import dev.tandem.core.Operation.MoveTable;
import dev.tandem.core.Problem;
import java.util.List;
import java.util.Map;

/**
 * After cutover the target is authoritative and the source is fed from it (DESIGN.md, "Cutover"):
 * a source column copied by name travels back from the target column that holds it; every other
 * source column needs a {@code reverse} expression over the target row. Each must fit the source
 * column's type. Generated source columns compute themselves.
 */
final class MoveTableReverse {
    private MoveTableReverse() {}

    static void check(
            MoveTable move,
            StoreTable from,
            StoreTable to,
            ReadOnlySession source,
            ReadOnlySession target,
            List<Problem> problems) {
        String over = "table " + to.qualified() + " in store " + move.toStore();
        for (Map.Entry<String, String> e : move.reverse().entrySet()) {
            StoreTable.Column column = from.columns().get(e.getKey());
            if (column == null) {
                problems.add(new Problem(
                        move.location(),
                        "'reverse." + e.getKey() + "' names column " + from.name() + "." + e.getKey()
                                + ", which source table " + from.qualified() + " does not have"));
            } else if (column.generated()) {
                problems.add(new Problem(
                        move.location(),
                        "'reverse." + e.getKey() + "': column " + from.name() + "." + e.getKey() + " of source table "
                                + from.qualified() + " is generated and cannot be written; remove it from 'reverse'"));
            } else {
                ExpressionFit.check(target, source, to, e.getValue(), column)
                        .ifPresent(error -> problems.add(new Problem(
                                move.location(),
                                "'reverse." + e.getKey() + "' does not fit column " + from.name() + "." + column.name()
                                        + " (" + column.type() + ") of source table " + from.qualified()
                                        + ", planned over " + over + ": " + error)));
            }
        }
        Map<String, String> copied = move.copiedColumns();
        for (StoreTable.Column column : from.columns().values()) {
            if (column.generated() || move.reverse().containsKey(column.name())) {
                continue;
            }
            String targetColumn = copied.get(column.name());
            if (targetColumn == null) {
                problems.add(new Problem(
                        move.location(),
                        "column " + from.name() + "." + column.name() + " of source table " + from.qualified()
                                + " is not mapped by name in 'columns' and has no 'reverse' entry: after cutover"
                                + " the source would not be fed it, so cutover back (revert) would not be possible;"
                                + " add reverse: { " + column.name() + ": <expression over " + to.name()
                                + "> }, or NULL to leave it empty"));
            } else if (to.columns().containsKey(targetColumn)) {
                StoreTable.Column back = to.columns().get(targetColumn);
                ExpressionFit.check(target, source, to, StoreTable.id(targetColumn), column)
                        .ifPresent(error -> problems.add(new Problem(
                                move.location(),
                                "column " + to.name() + "." + targetColumn + " (" + back.type() + ") of " + over
                                        + " cannot be copied back into " + from.name() + "." + column.name() + " ("
                                        + column.type() + ") after cutover: " + error + "; give 'reverse' for "
                                        + column.name())));
            }
        }
    }
}
