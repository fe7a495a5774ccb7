package dev.tandem.cli;

import dev.tandem.verify.Drift;
import dev.tandem.verify.InvariantResult;
import dev.tandem.verify.Repair;
import dev.tandem.verify.Verification;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** A verification and a repair for people: what was compared, what differs and where, and the verdict. */
final class VerificationView {
    private VerificationView() {}

    static void print(Verification v, PrintWriter out) {
        row(out, "migration", v.migrationId());
        for (String compared : v.compared()) {
            row(out, "compared", compared);
        }
        row(out, "method", v.method());
        row(
                out,
                "rows",
                Human.count(v.rows()) + " compared in " + Human.duration(v.took()) + " ("
                        + Human.count(Math.round(v.rowsPerSecond())) + " rows/s)");
        row(
                out,
                "drift",
                Human.count(v.driftRows()) + (v.driftRows() == 1 ? " row" : " rows") + " (max_drift_rows "
                        + v.maxDriftRows() + ")"
                        + (v.driftRows() > v.drift().size()
                                ? "; the first " + v.drift().size() + " shown"
                                : ""));
        drift(v.drift(), out);
        row(
                out,
                "suspects",
                Human.count(v.suspectsCleared()) + " cleared on a re-check once delivered, "
                        + Human.count(v.unresolved()) + " still changing when the re-checks ran out");
        for (InvariantResult i : v.invariants()) {
            row(
                    out,
                    "invariant",
                    i.name() + ": " + (i.held() ? "held" : "BROKEN") + " (old " + i.oldValue() + ", new " + i.newValue()
                            + ")");
        }
        row(out, "result", verdict(v));
    }

    /** Each drifted key: its table, key and kind, then each field that differs, old -> new. */
    static void drift(List<Drift> drift, PrintWriter out) {
        for (Drift d : drift) {
            row(out, "  " + d.kind(), d.table() + " " + d.key() + fields(d));
        }
    }

    private static String fields(Drift d) {
        if (d.fields().isEmpty()) {
            return "";
        }
        // A row on one side only: its values on that side, not a list of "-> NULL".
        return switch (d.kind()) {
            case MISSING_ON_NEW ->
                ": only the old side has it ("
                        + d.fields().stream()
                                .map(f -> f.column() + " " + value(f.oldValue()))
                                .collect(Collectors.joining(", "))
                        + ")";
            case EXTRA_ON_NEW ->
                ": only the new side has it ("
                        + d.fields().stream()
                                .map(f -> f.column() + " " + value(f.newValue()))
                                .collect(Collectors.joining(", "))
                        + ")";
            case CHANGED, DUPLICATE_KEY ->
                ": "
                        + d.fields().stream()
                                .map(f -> f.column() + " " + value(f.oldValue()) + " -> " + value(f.newValue()))
                                .collect(Collectors.joining(", "));
        };
    }

    private static String value(String v) {
        return v == null ? "NULL" : v;
    }

    static String verdict(Verification v) {
        if (v.passed()) {
            return "PASSED: the new side equals the old"
                    + (v.driftRows() > 0 ? " within max_drift_rows " + v.maxDriftRows() : "")
                    + "; `tandem cutover` may go ahead within the file's verify.window";
        }
        long broken = v.invariants().stream().filter(i -> !i.held()).count();
        StringBuilder why = new StringBuilder("FAILED: ");
        why.append(Human.count(v.driftRows()))
                .append(" drifted (max_drift_rows ")
                .append(v.maxDriftRows());
        why.append("), ").append(Human.count(v.unresolved())).append(" unresolved, ");
        why.append(broken).append(broken == 1 ? " invariant broken" : " invariants broken");
        if (v.driftRows() > 0) {
            why.append("; `tandem verify --repair --dry-run` shows what a repair rewrites, `--repair` rewrites it");
        } else if (v.unresolved() > 0) {
            why.append("; keys were changing throughout: verify again once writes are calmer");
        }
        return why.toString();
    }

    /** A repair: what it found to rewrite, and, unless a dry run, the verification after. */
    static void print(Repair r, PrintWriter out) {
        if (r.planned().isEmpty()) {
            row(out, "repair", "nothing to repair: no key differs");
        } else {
            row(
                    out,
                    "repair",
                    (r.dryRun() ? "would rewrite " : "rewrote ")
                            + Human.count(r.planned().size())
                            + (r.planned().size() == 1 ? " key" : " keys")
                            + " from the authoritative side"
                            + (r.dryRun() ? " (dry run: nothing changed)" : ""));
            drift(r.planned(), out);
        }
        if (r.after() != null) {
            out.println();
            out.println("verification after the repair:");
            print(r.after(), out);
        }
    }

    /** The last verification in one line for {@code status}: when, the verdict and whether it counts now. */
    static String summary(Verification v, Duration window, Instant now) {
        if (v == null) {
            return "none yet: `tandem verify` compares the two sides; `tandem cutover` needs a pass within "
                    + Human.duration(window);
        }
        Instant ended = v.startedAt().plus(v.took());
        String when = Human.instant(ended) + " (" + Human.duration(Duration.between(ended, now)) + " ago)";
        String figures = Human.count(v.rows()) + " rows, " + Human.count(v.driftRows()) + " drifted";
        if (!v.passed()) {
            return "FAILED " + when + ": " + figures + "; `tandem verify --repair`, then verify again";
        }
        return "passed " + when + ": " + figures + "; "
                + (v.passedWithin(window, now)
                        ? "counts for cutover until " + Human.instant(ended.plus(window))
                        : "outside its window of " + Human.duration(window) + ": `tandem verify` again before cutover");
    }

    private static void row(PrintWriter out, String label, String value) {
        out.printf(Locale.ROOT, "%-16s %s%n", label, value == null ? "-" : value);
    }
}
