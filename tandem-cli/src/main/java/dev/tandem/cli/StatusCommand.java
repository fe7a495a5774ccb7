package dev.tandem.cli;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.postgres.MigrationStatus;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "status",
        description = {
            "Show where the active migration stands, and what to do next.",
            "--migration picks another. With --json and no migration to show, prints null."
        })
final class StatusCommand extends TandemCommand {
    @Mixin
    ConnectionOptions connection;

    @Option(names = "--migration", paramLabel = "ID", description = "The migration to show; default: the active one.")
    String migrationId;

    @Option(names = "--json", description = "Print JSON for scripts.")
    boolean json;

    @Override
    int execute() {
        Engine engine = Engine.create(connection.dataSource(environment()), EngineOptions.defaults());
        Optional<MigrationStatus> status = engine.status(migrationId);
        if (status.isEmpty() && migrationId != null) {
            throw new TandemException(
                    ErrorCode.USAGE,
                    "no migration " + migrationId + " in this database; `tandem history` lists the ones there are");
        }
        if (json) {
            Json.status(status.orElse(null), out());
        } else if (status.isPresent()) {
            StatusView.print(status.get(), out());
        } else {
            printNoActive(engine.migrations());
        }
        return 0;
    }

    private void printNoActive(List<MigrationStatus> all) {
        if (all.isEmpty()) {
            out().println("No migration has run on this database yet. `tandem start <file>` starts one.");
            return;
        }
        MigrationStatus last = all.get(all.size() - 1);
        out().println("No active migration. The last one, " + last.id() + ", is " + last.phase()
                + (last.updatedAt() == null ? "" : " since " + Human.instant(last.updatedAt())) + ".");
    }
}
