package dev.tandem.cli;

import dev.tandem.core.Linter;
import dev.tandem.core.Migration;
import dev.tandem.core.MigrationFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "demo",
        description = {
            "Run the whole lifecycle on an embedded PostgreSQL, with live writers in both shapes.",
            "Start, backfill and complete; then the same with rollback on a fresh database. Ends with correctness"
                    + " checks: PASS, or FAIL and exit 1. Needs no database and no setup."
        })
final class DemoCommand extends TandemCommand {
    static final String MIGRATION = "demo/0001_split_customer_name.yaml";

    @Option(
            names = "--rows",
            paramLabel = "N",
            defaultValue = "200000",
            description = "Rows in the customers table (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(
            names = "--write-time",
            paramLabel = "DURATION",
            defaultValue = "2s",
            converter = DurationConverter.class,
            description = "How long the writers go on after the backfill (default: ${DEFAULT-VALUE}).")
    Duration writeTime;

    @Override
    int execute() throws Exception {
        if (rows < 2) {
            throw usage("--rows must be at least 2, got " + rows);
        }
        long t0 = System.nanoTime();
        Migration migration = MigrationFiles.parse(MIGRATION, resource(MIGRATION));
        out().println(
                        "tandem demo: a zero-downtime schema change on embedded PostgreSQL 17, with writers in both shapes.");
        out().println();
        out().println("The migration, " + MIGRATION + ":");
        for (String line : migration.text().strip().split("\\R")) {
            out().println("  " + line);
        }
        out().println();
        out().println("tandem lint:");
        if (LintCommand.printFindings(Linter.lint(migration), out())) {
            throw new IllegalStateException("the demo's own migration has lint errors");
        }
        out().println("  no errors");

        DemoChecks checks = new DemoChecks(out());
        boolean interactive = Terminal.interactive(environment());
        out().println();
        out().println("== 1 of 2: start, write through both shapes, complete ==");
        out().println("(The first database starts PostgreSQL; its first run unpacks it, which takes a few seconds.)");
        new DemoScenario(DemoScenario.Ending.COMPLETE, migration, rows, writeTime, out(), interactive, checks).run();
        out().println();
        out().println("== 2 of 2: the same on a fresh database, then rollback ==");
        new DemoScenario(DemoScenario.Ending.ROLLBACK, migration, rows, writeTime, out(), interactive, checks).run();

        out().println();
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        if (checks.failures().isEmpty()) {
            out().println("PASS: all " + checks.passed() + " checks passed (" + Human.duration(took) + ").");
            return 0;
        }
        out().println("FAIL: " + checks.failures().size() + " of "
                + (checks.passed() + checks.failures().size()) + " checks failed (" + Human.duration(took) + "):");
        for (String failure : checks.failures()) {
            out().println("  " + failure);
        }
        return Failures.REFUSED;
    }

    private static String resource(String name) {
        try (InputStream in = DemoCommand.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the demo migration " + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
