package dev.tandem.cli;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.LintFinding;
import dev.tandem.core.Linter;
import dev.tandem.core.Migration;
import dev.tandem.core.MigrationFiles;
import dev.tandem.core.TandemException;
import dev.tandem.postgres.MigrationPlan;
import dev.tandem.postgres.MigrationStatus;
import dev.tandem.postgres.Migrator;
import dev.tandem.postgres.TransitionRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "migrate",
        description = {
            "Apply, in file-name order, every migration in a directory that the database has not applied yet.",
            "Each is started (expand, then backfill) and completed before the next is started; the last is left"
                    + " started, so that clients can move to its new shape, unless --complete is given. A migration"
                    + " left started by an earlier run is taken further first.",
            "Before changing anything it parses every file and lints the ones it will start (exit 2 for a bad file,"
                    + " 1 for lint errors), and refuses (exit 1) when the directory and the database's history"
                    + " disagree: an applied file changed or is gone, an order differs, or a new file sorts before an"
                    + " applied one. It lists every disagreement. Only the schemas the files are on are compared.",
            "A refused gate or a failed step stops it there (exit 1, 2 or 3, as the command that failed); run it"
                    + " again to go on from where the database stands."
        })
final class MigrateCommand extends TandemCommand {
    @Parameters(
            index = "0",
            paramLabel = "<dir>",
            description = "The directory of migration files (*.yaml, *.yml, *.json).")
    Path dir;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    BackfillOptions backfill;

    @Option(names = "--complete", description = "Complete the last migration too: its old shape is removed.")
    boolean complete;

    @Option(
            names = "--force",
            description = "Pass the sunset gate of each complete that refuses. Needs --reason; both are recorded in"
                    + " the history of each migration completed.")
    boolean force;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why the gate is forced; recorded in the history.")
    String reason;

    @Option(
            names = "--soak",
            paramLabel = "DURATION",
            defaultValue = "10m",
            converter = DurationConverter.class,
            description = "How long no tandem-client instance may have been seen on a migration's old shape before"
                    + " migrate completes it, as `complete --soak` (default: ${DEFAULT-VALUE}; 0s turns the check"
                    + " off).")
    Duration soak;

    @Override
    int execute() {
        if (!Files.isDirectory(dir)) {
            throw usage(dir + " is not a directory"
                    + (Files.isRegularFile(dir) ? "; `tandem start " + dir + "` starts one file" : ""));
        }
        // Checked before connecting, so that --force without --reason is a usage error even offline.
        TransitionRequest gates = new TransitionRequest(null, force, reason);
        List<Migration> migrations = MigrationFiles.parseAll(List.of(dir));
        try (ConsoleListener listener = ConsoleListener.create(out(), Terminal.interactive(environment()))) {
            Migrator migrator = Migrator.create(
                    connection.dataSource(environment()),
                    backfill.engineOptions(listener).clientSoak(soak).build());
            MigrationPlan plan = migrator.plan(migrations, complete);
            boolean lintErrors = lint(plan.toStart());
            plan.requireNoConflicts();
            if (lintErrors) {
                throw new TandemException(
                        ErrorCode.LINT_FAILED,
                        "refusing to migrate: lint found errors (above) in files it would start; nothing was changed."
                                + " Fix them, check with `tandem lint " + dir + "`, then migrate again");
            }
            for (Migration m : plan.toStart()) {
                String notYet = MoveChecks.notYet(m);
                if (notYet != null) {
                    throw new TandemException(
                            ErrorCode.GATE_REFUSED,
                            "refusing to migrate: " + notYet + ". `tandem plan " + m.source()
                                    + " --store NAME=URL` checks the move against its stores");
                }
            }
            overview(plan);
            if (plan.actions().isEmpty()) {
                return 0;
            }
            Progress progress = new Progress(listener);
            Optional<MigrationStatus> last;
            try {
                last = migrator.run(plan, gates, progress);
            } catch (RuntimeException e) {
                listener.finish();
                int code = Failures.report(e, err(), debug());
                stopped(progress.current, e);
                return code;
            }
            listener.finish();
            out().println();
            last.ifPresent(status -> StatusView.print(status, out()));
        }
        return 0;
    }

    /** Prints the findings of the files migrate will start; whether any is an error. */
    private boolean lint(List<Migration> toStart) {
        List<LintFinding> findings = new ArrayList<>();
        for (Migration m : toStart) {
            findings.addAll(Linter.lint(m));
        }
        return LintCommand.printFindings(findings, out());
    }

    private void overview(MigrationPlan plan) {
        List<MigrationPlan.Entry> entries = plan.entries();
        if (entries.isEmpty()) {
            out().println("Nothing to do: " + dir + " has no migration files (*.yaml, *.yml, *.json).");
        } else if (plan.actions().isEmpty()) {
            MigrationPlan.Entry last = entries.getLast();
            out().println("Nothing to do: the database has applied every migration in " + dir + " ("
                    + entries.size() + (entries.size() == 1 ? " file" : " files") + ")"
                    + (last.phase() != null && last.phase().active()
                            ? "; " + last.migration().id() + " is " + last.phase()
                                    + ", left started: `tandem migrate " + dir
                                    + " --complete` or `tandem complete` completes it"
                            : "")
                    + ".");
        } else {
            int applied = (int) entries.stream().filter(e -> e.phase() != null).count();
            out().println(dir + ": " + entries.size() + (entries.size() == 1 ? " migration" : " migrations") + ", "
                    + applied + " already applied; lock timeout " + Human.duration(backfill.lockTimeout));
            int width = entries.stream()
                    .mapToInt(e -> e.migration().id().length())
                    .max()
                    .orElse(0);
            for (MigrationPlan.Entry e : entries) {
                out().printf("  %-" + width + "s  %s%n", e.migration().id(), describe(e));
            }
        }
        plan.notes().forEach(note -> out().println("  (" + note + ")"));
    }

    /** {@code COMPLETE}, or {@code BACKFILLED: complete}, or {@code start (left started)}. */
    private String describe(MigrationPlan.Entry e) {
        String now = e.phase() == null ? "" : e.phase().name();
        String todo = e.actions().stream()
                .map(a -> a.kind().name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
        if (!todo.isEmpty() && e.actions().stream().noneMatch(a -> a.kind() == MigrationPlan.Action.Kind.COMPLETE)) {
            todo += " (left started; --complete completes it)";
        }
        return now.isEmpty() ? todo : todo.isEmpty() ? now : now + ": " + todo;
    }

    /** Where a run stopped, and how to go on. */
    private void stopped(MigrationPlan.Action at, RuntimeException e) {
        if (at == null) {
            return;
        }
        err().println("migrate stopped at " + at + "; what ran before it stays done. `tandem status --migration "
                + at.migration().id() + "` shows where it stands.");
        boolean gate = e instanceof TandemException t && t.code() == ErrorCode.GATE_REFUSED;
        err().println("Run `tandem migrate " + dir + "` again to go on from there"
                + (gate ? " once the gate passes, or with --force --reason TEXT to pass it on the record" : "")
                + ".");
        err().flush();
    }

    /** Prints a header before each action and the phase it left after it; remembers the current one. */
    private final class Progress implements Migrator.Listener {
        private final ConsoleListener listener;
        MigrationPlan.Action current;

        Progress(ConsoleListener listener) {
            this.listener = listener;
        }

        @Override
        public void starting(MigrationPlan.Action action) {
            current = action;
            listener.finish();
            out().println();
            out().println(action);
            out().flush();
        }

        @Override
        public void finished(MigrationPlan.Action action, MigrationStatus status) {
            listener.finish();
            out().println("  " + status.id() + " is " + status.phase());
        }
    }
}
