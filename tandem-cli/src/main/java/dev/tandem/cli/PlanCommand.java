package dev.tandem.cli;

import dev.tandem.core.Migration;
import dev.tandem.core.MigrationFiles;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.postgres.Plan;
import dev.tandem.postgres.PlannedStep;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import javax.sql.DataSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(
        name = "plan",
        description = {
            "Show every SQL step a migration would run; changes nothing.",
            "For each step: its stage, the lock it takes, a size-based estimate, and the exact SQL.",
            "A move_table is first checked, read-only, against this store and its target store (--store); exit 2"
                    + " lists every problem."
        })
final class PlanCommand extends TandemCommand {
    @Parameters(index = "0", paramLabel = "<file>", description = "The migration file.")
    Path file;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    StoreOptions stores;

    @Override
    int execute() {
        Migration migration = MigrationFiles.parse(file);
        DataSource source = connection.dataSource(environment());
        // The stores are named before anything connects, so a missing one is a usage error even offline.
        Map<String, DataSource> targets = stores.dataSourcesFor(migration, environment());
        MoveChecks.requireFit(migration, source, targets);
        Engine engine = Engine.create(source, EngineOptions.defaults());
        print(engine.plan(migration), out());
        MoveChecks.describe(migration, out());
        return 0;
    }

    static void print(Plan plan, PrintWriter out) {
        Migration m = plan.migration();
        out.println("Plan for " + m.id() + " on schema " + m.schema() + " (new shape in schema " + m.versionSchema()
                + "). Nothing was changed.");
        out.println("`tandem start` runs the expand, backfill and validate steps; `tandem complete` the complete"
                + " steps; `tandem rollback` the rollback steps.");
        m.rollbackRefusal()
                .ifPresent(why -> out.println("Rollback is not possible once started: " + why + "; `tandem rollback`"
                        + " will refuse, and only `tandem complete` finishes the migration."));
        int n = 0;
        for (PlannedStep step : plan.steps()) {
            n++;
            out.println();
            out.printf("%3d. %s: %s%n", n, step.stage(), step.description());
            out.println("     lock:     " + step.lock().label());
            out.println("     estimate: " + (step.estimate() == null ? "-" : step.estimate()));
            if (!step.transactional()) {
                out.println("     runs outside a transaction (CONCURRENTLY)");
            }
            for (String line : step.sql().strip().split("\\R")) {
                out.println("         " + line);
            }
        }
        if (n == 0) {
            out.println();
            out.println("No steps: the migration changes nothing.");
        }
    }
}
