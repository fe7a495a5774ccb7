package dev.tandem.cli;

import dev.tandem.postgres.BackfillProgress;
import dev.tandem.postgres.MigrationStatus;
import java.io.PrintWriter;

/** A migration's status for people: where it stands and what to do next. */
final class StatusView {
    private StatusView() {}

    static void print(MigrationStatus s, PrintWriter out) {
        row(out, "migration", s.id());
        row(out, "phase", String.valueOf(s.phase()));
        row(out, "schema", s.schema());
        if (s.phase() != null && s.phase().active()) {
            row(
                    out,
                    "new shape",
                    "schema " + s.versionSchema() + ": clients select it with" + " SET search_path = "
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

    /** What an operator can do from this phase; null when nothing is left to do. */
    static String next(MigrationStatus s) {
        if (s.phase() == null) {
            return null;
        }
        if (s.backfill() != null && s.backfill().state() == BackfillProgress.State.FAILED) {
            // Resuming alone fails the same way: the row or the expression has to change first.
            return "the backfill failed on a row (above). Fix that row's data, then `tandem backfill --resume`;"
                    + " or `tandem rollback` and start a corrected migration (a new id) whose `up` handles it";
        }
        return switch (s.phase()) {
            case PLANNED -> "`tandem start` expands, or `tandem rollback` abandons it";
            case EXPANDED ->
                "`tandem backfill --resume` runs the backfill from its checkpoint;"
                        + " `tandem rollback` undoes everything";
            case BACKFILLED, VERIFIED ->
                "move clients to the new shape, then `tandem complete` (or `tandem cutover` first);"
                        + " `tandem rollback` undoes everything";
            case CUT_OVER -> "`tandem complete` removes the old shape; `tandem revert` goes back, losing nothing";
            case COMPLETE, ROLLED_BACK -> null;
        };
    }

    private static void row(PrintWriter out, String label, String value) {
        out.printf("%-10s %s%n", label, value == null ? "-" : value);
    }
}
