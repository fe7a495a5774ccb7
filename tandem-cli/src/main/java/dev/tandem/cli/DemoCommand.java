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
            "Run the whole lifecycle on an embedded PostgreSQL, with live writers in both shapes, then move a table"
                    + " to another store.",
            "Start, backfill and complete; then the same with rollback on a fresh database. Then move_table hands"
                    + " orders to a second database while writers write, through a relay process that is killed"
                    + " and restarted, verified (drift injected on the target is found by key, refused at cutover and"
                    + " repaired), then cut over. Ends with correctness checks: PASS, or FAIL and exit 1. Needs no database and"
                    + " no setup."
        })
final class DemoCommand extends TandemCommand {
    static final String MIGRATION = "demo/0001_split_customer_name.yaml";
    static final String MOVE = "demo/0002_move_orders.yaml";

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
            description = "How long the writers go on after the backfill, and in the move with no relay running"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration writeTime;

    @Option(
            names = "--orders",
            paramLabel = "N",
            defaultValue = "10000",
            description = "Rows in the orders table that the last part moves (default: ${DEFAULT-VALUE}).")
    int orders;

    @Override
    int execute() throws Exception {
        if (rows < 2) {
            throw usage("--rows must be at least 2, got " + rows);
        }
        if (orders < 1) {
            throw usage("--orders must be at least 1, got " + orders);
        }
        long t0 = System.nanoTime();
        Migration migration = MigrationFiles.parse(MIGRATION, resource(MIGRATION));
        Migration move = MigrationFiles.parse(MOVE, resource(MOVE));
        out().println("tandem demo: a zero-downtime schema change on embedded PostgreSQL 17, with writers in both"
                + " shapes; then a table moved to another store.");
        out().println();
        show(MIGRATION, migration);

        DemoChecks checks = new DemoChecks(out());
        boolean interactive = Terminal.interactive(environment());
        out().println();
        out().println("== 1 of 3: start, write through both shapes, complete ==");
        out().println("(The first database starts PostgreSQL; its first run unpacks it, which takes a few seconds.)");
        new DemoScenario(DemoScenario.Ending.COMPLETE, migration, rows, writeTime, out(), interactive, checks).run();
        out().println();
        out().println("== 2 of 3: the same on a fresh database, then rollback ==");
        new DemoScenario(DemoScenario.Ending.ROLLBACK, migration, rows, writeTime, out(), interactive, checks).run();
        out().println();
        out().println(
                        "== 3 of 3: move orders to another store: a relay killed and restarted, verify, drift"
                                + " found and repaired, then the service's own code through tandem-client while reads move, cutover, revert, cutover, complete ==");
        show(MOVE, move);
        out().println();
        new DemoMove(move, orders, writeTime, out(), interactive, checks).run();

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

    /** Prints a migration file of the demo and what lint says of it. */
    private void show(String name, Migration migration) {
        out().println("The migration, " + name + ":");
        for (String line : migration.text().strip().split("\\R")) {
            out().println("  " + line);
        }
        out().println();
        out().println("tandem lint:");
        if (LintCommand.printFindings(Linter.lint(migration), out())) {
            throw new IllegalStateException("the demo's own migration " + name + " has lint errors");
        }
        out().println("  no errors");
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
