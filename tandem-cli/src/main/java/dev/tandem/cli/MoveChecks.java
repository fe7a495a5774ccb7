package dev.tandem.cli;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.Operation;
import dev.tandem.core.Operation.MoveTable;
import dev.tandem.core.Problem;
import dev.tandem.core.TandemException;
import dev.tandem.relay.MoveTableCheck;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/** What {@code plan}, {@code start} and {@code migrate} do with the moves of a migration. */
final class MoveChecks {
    private MoveChecks() {}

    /** The moves of {@code migration}, in file order. */
    static List<MoveTable> moves(Migration migration) {
        return migration.operations().stream()
                .filter(MoveTable.class::isInstance)
                .map(MoveTable.class::cast)
                .toList();
    }

    /**
     * Checks each move against the source store and its target store; changes nothing.
     *
     * @throws TandemException SCHEMA_MISMATCH listing every problem, each at its operation
     */
    static void requireFit(Migration migration, DataSource source, Map<String, DataSource> stores) {
        List<Problem> problems = new ArrayList<>();
        for (MoveTable move : moves(migration)) {
            problems.addAll(MoveTableCheck.check(move, source, migration.schema(), stores.get(move.toStore())));
        }
        if (!problems.isEmpty()) {
            throw new TandemException(
                    ErrorCode.SCHEMA_MISMATCH,
                    migration.source() + ": move_table does not fit its stores (" + problems.size()
                            + (problems.size() == 1 ? " problem" : " problems") + "); nothing was changed:\n  "
                            + problems.stream().map(Problem::toString).collect(Collectors.joining("\n  ")),
                    problems);
        }
    }

    /** One line per move, after {@code plan}'s steps: what was checked, and what is not planned yet. */
    static void describe(Migration migration, PrintWriter out) {
        for (MoveTable move : moves(migration)) {
            out.println();
            out.println("move_table at " + move.location() + ": " + migration.schema() + "." + move.table()
                    + " to table " + move.toTable() + " in store " + move.toStore() + ", key ("
                    + String.join(", ", move.key()) + "): fits both stores. `start` installs capture on this"
                    + " store and copies the existing rows; `tandem relay` delivers every change since. The fenced"
                    + " cutover is not built yet, so `complete` refuses a move; `rollback` removes it.");
        }
    }

    /** Why {@code migrate} does not take a migration with a move; null without one. */
    static String notYet(Migration migration) {
        List<MoveTable> moves = moves(migration);
        if (moves.isEmpty()) {
            return null;
        }
        Operation first = moves.getFirst();
        return migration.id() + " moves a table to another store (move_table at " + first.location()
                + "); migrate does not take moves yet, whose complete needs the fenced cutover: start it with"
                + " `tandem start " + migration.source() + " --store "
                + moves.getFirst().toStore()
                + "=URL`. Nothing was changed";
    }
}
