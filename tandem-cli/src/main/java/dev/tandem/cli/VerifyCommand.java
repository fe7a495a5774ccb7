package dev.tandem.cli;

import dev.tandem.verify.ContinuousVerifier;
import dev.tandem.verify.Repair;
import dev.tandem.verify.Verification;
import dev.tandem.verify.Verifier;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "verify",
        description = {
            "Compare a migration's new side with its old side, key by key, and record the result: the cutover gate"
                    + " reads it.",
            "A move compares the source's rows, mapped through the file's `columns`, with the target store's rows"
                    + " by key (--store names the target). Within one store, each row's new-shape columns are"
                    + " compared with their `up` over its old-shape columns. Segments are fingerprinted in the"
                    + " database on both sides and only the segments that differ are read row by row; a key that"
                    + " differs while the relay still carries a change to it is checked again once that change is"
                    + " delivered, and counts as drift only if it still differs and its version held.",
            "Prints what was compared, the rows, rows/s and time, each drifted key (up to 100) with its kind"
                    + " (MISSING_ON_NEW, EXTRA_ON_NEW, CHANGED, DUPLICATE_KEY) and each differing field (old -> new),"
                    + " the suspects cleared or unresolved, each invariant of the file's verify: section, and PASSED"
                    + " or FAILED. It passes with drift within verify.max_drift_rows (default 0), nothing unresolved"
                    + " and every invariant held; exit 0 when it passes, 1 when it does not.",
            "--repair rewrites each drifted key from the authoritative side (a move: through the relay's"
                    + " versioned apply; within one store: its `up` again), then verifies again; --dry-run lists what"
                    + " it would rewrite and changes nothing. Needs the backfill done.",
            "--continuous keeps verifying until stopped (SIGTERM): a pass every --interval re-reads the keys the"
                    + " relay applied since the last pass, and every --sweep-every (and at the start) the whole"
                    + " migration is verified and recorded. A line per pass gives its figures; when drift exceeds"
                    + " max_drift_rows it logs an error and, with --webhook, POSTs the result there as JSON."
        })
final class VerifyCommand extends TandemCommand {
    @Mixin
    ConnectionOptions connection;

    @Mixin
    StoreOptions stores;

    @Option(names = "--migration", paramLabel = "ID", description = "The migration; default: the active one.")
    String migrationId;

    @Option(names = "--json", description = "Print the result as JSON for scripts (progress goes to standard error).")
    boolean json;

    @Option(
            names = "--repair",
            description = "Rewrite each drifted key from the authoritative side, then verify again.")
    boolean repair;

    @Option(names = "--dry-run", description = "With --repair: list what it would rewrite; change nothing.")
    boolean dryRun;

    @Option(
            names = "--parallelism",
            paramLabel = "N",
            defaultValue = "2",
            description = "Segments compared at once; each holds a session on each store (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(
            names = "--max-rows-per-second",
            paramLabel = "N",
            defaultValue = "0",
            description = "A ceiling on rows compared per second, to spare a live workload (default: none).")
    long maxRowsPerSecond;

    @Option(names = "--continuous", description = "Keep verifying until stopped; see above.")
    boolean continuous;

    @Option(
            names = "--interval",
            paramLabel = "DURATION",
            defaultValue = "30s",
            converter = DurationConverter.class,
            description = "With --continuous: the time between passes (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(
            names = "--sweep-every",
            paramLabel = "DURATION",
            defaultValue = "10m",
            converter = DurationConverter.class,
            description = "With --continuous: how often a pass verifies everything (default: ${DEFAULT-VALUE}).")
    Duration sweepEvery;

    @Option(
            names = "--webhook",
            paramLabel = "URL",
            description = "With --continuous: where to POST a pass whose drift exceeds max_drift_rows.")
    URI webhook;

    @Override
    int execute() {
        if (continuous && (repair || json)) {
            throw usage("--continuous runs on its own: without --repair and --json");
        }
        if (!continuous && webhook != null) {
            throw usage("--webhook goes with --continuous");
        }
        if (dryRun && !repair) {
            throw usage("--dry-run goes with --repair: `tandem verify --repair --dry-run` lists what a repair would"
                    + " rewrite; `tandem verify` alone changes nothing already");
        }
        if (maxRowsPerSecond < 0) {
            throw usage("--max-rows-per-second must be 0 (no limit) or more, got " + maxRowsPerSecond);
        }
        if (parallelism < 1) {
            throw usage("--parallelism must be 1 or more, got " + parallelism);
        }
        DataSource source = connection.dataSource(environment());
        // With --json, standard output carries only the JSON.
        PrintWriter progress = json ? err() : out();
        Verifier verifier = Verifier.builder(source)
                .stores(stores.dataSources(environment()))
                .parallelism(parallelism)
                .maxRowsPerSecond(maxRowsPerSecond)
                .listener(line -> {
                    progress.println("  " + line);
                    progress.flush();
                })
                .build();
        if (continuous) {
            return continuously(verifier, source);
        }
        if (repair) {
            Repair r = verifier.repair(migrationId, dryRun);
            if (json) {
                VerificationJson.repair(r, out());
            } else {
                VerificationView.print(r, out());
            }
            // A dry run that finds drift leaves it there: the state is as a failed verification's.
            boolean clean = r.after() != null ? r.after().passed() : r.planned().isEmpty();
            return clean ? 0 : Failures.REFUSED;
        }
        Verification v = verifier.verify(migrationId);
        if (json) {
            VerificationJson.verification(v, out());
        } else {
            VerificationView.print(v, out());
        }
        return v.passed() ? 0 : Failures.REFUSED;
    }

    /** Passes until SIGTERM; each prints a line, and the last sweep's result decides the exit code. */
    private int continuously(Verifier verifier, DataSource source) {
        AtomicBoolean reconciled = new AtomicBoolean(true);
        ContinuousVerifier c = new ContinuousVerifier(
                verifier, source, migrationId, interval, sweepEvery, new SimpleMeterRegistry(), webhook, p -> {
                    if (p.sweep()) {
                        reconciled.set(p.passed());
                    }
                    out().println((p.sweep() ? "sweep: " + p.rows() + " rows" : "changed: " + p.rows() + " keys")
                            + ", " + Math.round(p.rowsPerSecond()) + "/s, " + p.driftRows() + " drifted (max "
                            + p.maxDriftRows() + "), " + p.unresolved() + " unresolved: "
                            + (p.passed()
                                    ? "ok"
                                    : "DRIFT "
                                            + p.drift().stream()
                                                    .limit(10)
                                                    .map(d -> d.key())
                                                    .toList()));
                    out().flush();
                });
        Thread hook = new Thread(c::stop, "tandem-verify-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out().println("verify: continuous, a pass every " + interval.toSeconds() + " s, a sweep every "
                + sweepEvery.toSeconds() + " s; SIGTERM stops it");
        out().flush();
        c.run();
        return reconciled.get() ? 0 : Failures.REFUSED;
    }
}
