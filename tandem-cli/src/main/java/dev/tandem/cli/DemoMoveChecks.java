package dev.tandem.cli;

import dev.tandem.core.Operation.MoveTable;
import dev.tandem.relay.MoveSpec;
import dev.tandem.relay.MoveStatus;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The checks of the move: after delivery, and on the rows of both stores. */
final class DemoMoveChecks {
    private final MoveTable move;
    private final MoveSpec spec;
    private final DemoStores stores;
    private final DemoChecks checks;

    DemoMoveChecks(MoveTable move, MoveSpec spec, DemoStores stores, DemoChecks checks) {
        this.move = move;
        this.spec = spec;
        this.stores = stores;
        this.checks = checks;
    }

    void writers(List<DemoOrderWriter> writers) {
        long writes = writers.stream().mapToLong(DemoOrderWriter::writes).sum();
        List<String> failures = writers.stream()
                .filter(w -> w.failure() != null)
                .map(w -> String.valueOf(w.failure()))
                .toList();
        checks.check(
                failures.isEmpty() && writers.stream().allMatch(w -> w.writes() > 0),
                "both writers wrote to orders without a single error (" + Human.count(writes) + " writes)",
                failures.isEmpty() ? "a writer wrote nothing" : String.join("; ", failures));
    }

    /** Each relay delivered what was waiting when it started, within {@code deadline}. */
    void tookOver(boolean first, boolean second, Duration deadline) {
        checks.check(
                first,
                "the first relay delivered what was captured before it started",
                "it did not within " + Human.duration(deadline));
        checks.check(
                second,
                "the second relay took over the backlog the killed one left",
                "it did not within " + Human.duration(deadline));
    }

    void drained(MoveStatus status) {
        checks.check(
                status.backlog() == 0 && status.openDeadLetters() == 0,
                "the outbox is empty once the writers stopped, and no change was parked",
                Human.count(status.backlog()) + " changes left, " + status.openDeadLetters() + " dead letters");
    }

    /** The relay said it stopped and exited ({@code exitCode} not null) within {@code bound} of SIGTERM. */
    void stopped(DemoRelay relay, Integer exitCode, Duration bound) {
        checks.check(
                exitCode != null && relay.saidStopped(),
                "the relay delivered the batch in hand and exited within " + Human.duration(bound) + " of SIGTERM",
                exitCode == null ? "it was still running" : "it exited without saying it stopped");
    }

    /**
     * The target holds exactly the source's rows mapped through {@code columns}, compared in key order.
     * Returns the source's rows.
     */
    List<String> sameRows() throws SQLException {
        List<String> source = stores.sourceProjected(spec);
        List<String> target = stores.targetRows(spec);
        int differ = 0;
        String example = null;
        for (int i = 0; i < Math.max(source.size(), target.size()); i++) {
            String s = i < source.size() ? source.get(i) : null;
            String t = i < target.size() ? target.get(i) : null;
            if (s == null || !s.equals(t)) {
                differ++;
                if (example == null) {
                    example = "row " + (i + 1) + " in key order: source (" + s + "), target (" + t + ")";
                }
            }
        }
        checks.check(
                differ == 0,
                move.toStore() + "." + move.toTable() + " equals orders mapped through columns (" + mapping()
                        + "), row for row (" + Human.count(source.size()) + " rows)",
                "source " + Human.count(source.size()) + " rows, target " + Human.count(target.size()) + "; " + differ
                        + " positions differ, the first: " + example);
        return source;
    }

    /** The move's columns as a reader would write them: each target column, and its expression if it is not its name. */
    private String mapping() {
        List<String> columns = new ArrayList<>();
        move.columns()
                .forEach((column, expression) ->
                        columns.add(column.equals(expression.strip()) ? column : column + " = " + expression));
        return String.join(", ", columns);
    }
}
