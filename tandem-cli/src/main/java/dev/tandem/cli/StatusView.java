package dev.tandem.cli;

import dev.tandem.postgres.BackfillProgress;
import dev.tandem.postgres.MigrationStatus;
import dev.tandem.postgres.Stage;
import dev.tandem.postgres.UnfinishedStage;
import java.io.PrintWriter;

/** A migration's status for people: where it stands and what to do next. */
final class StatusView {
    private StatusView() {}

    static void print(MigrationStatus s, PrintWriter out) {
        row(out, "migration", s.id());
        row(out, "phase", String.valueOf(s.phase()));
        row(out, "schema", s.schema());
        UnfinishedStage unfinished = s.unfinished();
        if (unfinished != null) {
            row(out, unfinished.command(), unfinished(unfinished));
        } else if (s.phase() != null && s.phase().active()) {
            row(
                    out,
                    "new shape",
                    s.phase() == dev.tandem.core.Phase.EXPANDED
                            ? "schema " + s.versionSchema() + ": served once the backfill is done; until then"
                                    + " clients stay on the old shape"
                            : "schema " + s.versionSchema() + ": clients select it with" + " SET search_path = "
                                    + s.versionSchema() + ", " + s.schema());
        }
        if (s.createdAt() != null) {
            row(out, "started", Human.instant(s.createdAt()));
        }
        if (s.updatedAt() != null) {
            row(out, "updated", Human.instant(s.updatedAt()));
        }
        BackfillProgress b = s.backfill();
        if (b != null) {
            row(out, "backfill", (b.table() == null ? "" : b.table() + ": ") + ConsoleListener.plainLine(b));
        }
        row(out, "checksum", s.checksum());
        String next = next(s);
        if (next != null) {
            row(out, "next", next);
        }
    }

    /** A complete or rollback that stopped part-way, and what that means. */
    static String unfinished(UnfinishedStage u) {
        return "unfinished: " + u.stepsDone() + " of " + u.stepsTotal() + " steps ran, then it stopped; part of the "
                + (u.stage() == Stage.COMPLETE ? "old" : "new") + " shape is already gone";
    }

    /** What an operator can do from here; null when nothing is left to do. */
    static String next(MigrationStatus s) {
        String next = nextStep(s);
        if (next != null
                && s.rollbackRefusal() != null
                && s.phase() != null
                && s.phase().active()) {
            return next.replace(
                    "`tandem rollback` undoes everything",
                    "`tandem rollback` is not possible (" + s.rollbackRefusal() + ")");
        }
        return next;
    }

    private static String nextStep(MigrationStatus s) {
        if (s.unfinished() != null) {
            return s.unfinished().stage() == Stage.COMPLETE
                    ? "`tandem complete` finishes it (pass --force --reason again if its gate refuses);"
                            + " `tandem rollback` is no longer possible"
                    : "`tandem rollback` finishes it; do not `tandem complete`: part of the new shape is gone";
        }
        if (s.phase() == null) {
            return null;
        }
        if (s.backfill() != null && s.backfill().state() == BackfillProgress.State.FAILED) {
            // Resuming alone fails the same way: the row or the expression has to change first.
            return "the backfill failed on a row (above). Fix that row's data, then `tandem backfill --resume`;"
                    + " or `tandem rollback` and start a corrected migration (a new id) whose `up` handles it";
        }
        return switch (s.phase()) {
            case PLANNED ->
                "`tandem start` is expanding it, or stopped before it finished: if none is running,"
                        + " `tandem rollback` removes what it made, and the file can then be started again";
            case EXPANDED ->
                "`tandem backfill --resume` runs the backfill from its checkpoint;"
                        + " `tandem rollback` undoes everything";
            case BACKFILLED, VERIFIED ->
                "move clients to the new shape, then `tandem complete`; `tandem rollback` undoes everything"
                        + " (`tandem cutover` only records that writes moved)";
            case CUT_OVER ->
                "`tandem complete` removes the old shape; `tandem revert` records that the old shape is"
                        + " authoritative again, losing nothing";
            case COMPLETE, ROLLED_BACK -> null;
        };
    }

    private static void row(PrintWriter out, String label, String value) {
        out.printf("%-10s %s%n", label, value == null ? "-" : value);
    }
}
