package dev.tandem.cli;

import dev.tandem.postgres.BackfillProgress;
import dev.tandem.postgres.ClientHeartbeat;
import dev.tandem.postgres.ClientReport;
import dev.tandem.postgres.MigrationFlags;
import dev.tandem.postgres.MigrationStatus;
import dev.tandem.postgres.ShadowReads;
import dev.tandem.postgres.ShadowSample;
import dev.tandem.postgres.Stage;
import dev.tandem.postgres.UnfinishedStage;
import dev.tandem.relay.MoveRegistry;
import dev.tandem.relay.MoveStatus;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A migration's status for people: where it stands and what to do next. */
final class StatusView {
    private StatusView() {}

    static void print(MigrationStatus s, PrintWriter out) {
        print(s, List.of(), out);
    }

    /** As {@link #print(MigrationStatus, PrintWriter)}, with a block for each table it moves. */
    static void print(MigrationStatus s, List<MoveReport> moves, PrintWriter out) {
        print(s, moves, null, out);
    }

    /**
     * As {@link #print(MigrationStatus, List, PrintWriter)}, with the migration's flags, its clients
     * and their shadow reads when {@code clients} is not null.
     */
    static void print(MigrationStatus s, List<MoveReport> moves, ClientReport clients, PrintWriter out) {
        print(s, moves, clients, null, out);
    }

    /** As {@link #print(MigrationStatus, List, ClientReport, PrintWriter)}, with the last verification when given. */
    static void print(
            MigrationStatus s,
            List<MoveReport> moves,
            ClientReport clients,
            VerificationJson.LastVerification verification,
            PrintWriter out) {
        row(out, "migration", s.id());
        row(
                out,
                "phase",
                s.catchingUp() == null ? String.valueOf(s.phase()) : s.phase() + ", catching up: " + s.catchingUp());
        row(out, "schema", s.schema());
        UnfinishedStage unfinished = s.unfinished();
        if (unfinished != null) {
            row(out, unfinished.command(), unfinished(unfinished));
        } else if (s.phase() != null && s.phase().active()) {
            row(
                    out,
                    "new shape",
                    s.phase() == dev.tandem.core.Phase.EXPANDED && s.catchingUp() == null
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
        for (MoveReport move : moves) {
            move(move, out);
        }
        if (clients != null) {
            clients(clients, !moves.isEmpty(), out);
        }
        if (verification != null) {
            row(out, "verified", verification.summary());
        }
        row(out, "checksum", s.checksum());
        String next = next(s);
        if (next != null) {
            row(out, "next", next);
        }
    }

    /** One move: whether it counts as backfilled and why not, then each figure on its own line. */
    private static void move(MoveReport report, PrintWriter out) {
        MoveStatus m = report.status();
        String why = m.catchingUp();
        row(
                out,
                "move",
                report.route() + ": "
                        + (why == null
                                ? "BACKFILLED (copy done, lag within its bound)"
                                : (m.copyDone() ? "catching up, " : "") + "not BACKFILLED: " + why));
        row(
                out,
                "  writes",
                report.authoritative() == MoveRegistry.Side.TARGET
                        ? "go to " + report.store() + "." + report.spec().targetTable() + " (cut over; "
                                + report.spec().sourceTable() + " refuses them, and gets the target's changes back)"
                        : "go to " + report.spec().sourceTable() + " (the source; `tandem cutover` hands them over"
                                + " behind a fence)");
        row(
                out,
                "  lag",
                Human.duration(m.lag()) + (m.lag().compareTo(m.maxLag()) > 0 ? ", over" : ", within") + " its bound of "
                        + Human.duration(m.maxLag()) + " (the oldest change not yet delivered)");
        row(out, "  backlog", Human.count(m.backlog()) + (m.backlog() == 1 ? " change" : " changes") + " to deliver");
        row(
                out,
                "  applied",
                m.appliedPerSecond() == null
                        ? "unknown: " + report.rateUnknown()
                        : String.format(Locale.ROOT, "%.1f changes/s over the last 10 s", m.appliedPerSecond()));
        row(
                out,
                "  dead",
                m.openDeadLetters() == 0
                        ? "no open dead letters"
                        : Human.count(m.openDeadLetters())
                                + (m.openDeadLetters() == 1 ? " open dead letter" : " open dead letters")
                                + ": `tandem dead-letters` lists them, `--replay` puts them back once the target is"
                                + " fixed");
        row(
                out,
                "  copy",
                m.copyDone()
                        ? "done: " + Human.count(m.copiedRows()) + " rows, at " + Human.instant(m.copiedAt())
                        : "not done: " + Human.count(m.copiedRows()) + " rows so far");
    }

    /**
     * The flags (a move's clients choose a store, not a shape, so a move shows only its reads), each
     * client instance with its side, and the shadow reads summed over them.
     */
    private static void clients(ClientReport report, boolean move, PrintWriter out) {
        MigrationFlags f = report.flags();
        row(
                out,
                "flags",
                (move ? "reads-new " + f.readsNewPercent() + "%" : f.describe())
                        + (f.set()
                                ? " (set by " + f.updatedBy() + " at " + Human.instant(f.updatedAt()) + ")"
                                : " (never set: the defaults; `tandem flag` sets them)"));
        List<ClientHeartbeat> clients = report.clients();
        if (clients.isEmpty()) {
            row(out, "clients", "none has reported a heartbeat (services that embed tandem-client do)");
        } else {
            Map<ClientHeartbeat.Side, Long> bySide = new EnumMap<>(ClientHeartbeat.Side.class);
            for (ClientHeartbeat c : clients) {
                bySide.merge(c.side(), 1L, Long::sum);
            }
            long stale = clients.stream().filter(ClientHeartbeat::stale).count();
            List<String> sides = new ArrayList<>();
            bySide.forEach((side, n) -> sides.add(n + " " + side.wireName()));
            row(
                    out,
                    "clients",
                    clients.size() + (clients.size() == 1 ? " instance" : " instances") + ": "
                            + String.join(", ", sides) + (stale == 0 ? "" : " (" + stale + " stale)"));
            for (ClientHeartbeat c : clients) {
                row(
                        out,
                        "  " + c.side().wireName(),
                        c.service() + " " + c.instance()
                                + (c.readsNewPercent() == null ? "" : ", reads-new " + c.readsNewPercent() + "%")
                                + ", seen " + Human.duration(c.age()) + " ago"
                                + (c.stale()
                                        ? ", stale: no heartbeat for over "
                                                + Human.duration(ClientHeartbeat.STALE_AFTER)
                                        : ""));
            }
        }
        ShadowReads shadow = report.shadow();
        if (shadow.compared() == 0 && shadow.samples().isEmpty()) {
            row(out, "shadow", "no shadow reads compared yet");
            return;
        }
        row(
                out,
                "shadow",
                Human.count(shadow.compared()) + " reads compared on both sides, " + Human.count(shadow.mismatched())
                        + " differed (" + String.format(Locale.ROOT, "%.2f%%", shadow.mismatchRate() * 100) + ")");
        for (ShadowSample sample : shadow.samples()) {
            row(
                    out,
                    "  differs",
                    (sample.key() == null ? "" : "key " + sample.key() + ": ") + sample.difference() + " ("
                            + sample.service() + " " + sample.instance() + ")");
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
        if (s.catchingUp() != null) {
            return "`tandem relay --store NAME=URL` delivers what the target store is missing (a `relay` may"
                    + " already be running); it is BACKFILLED once every move's lag is within its bound and no"
                    + " change is parked. `tandem rollback` undoes everything";
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
                "move clients to the new shape (`tandem flag --reads-new 10%`, more as shadow reads agree, then"
                        + " `--shape new` within one store), then `tandem complete`; `tandem rollback` undoes everything"
                        + " (`tandem verify`, then `tandem cutover` moves the writes: for a moved table, behind a"
                        + " fence)";
            case CUT_OVER ->
                "`tandem complete` removes the old shape (a moved table's source stays as a read-only archive);"
                        + " `tandem revert` makes the old side authoritative again, losing nothing";
            case COMPLETE, ROLLED_BACK -> null;
        };
    }

    private static void row(PrintWriter out, String label, String value) {
        out.printf("%-10s %s%n", label, value == null ? "-" : value);
    }
}
