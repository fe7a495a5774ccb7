package dev.tandem.cli;

import dev.tandem.postgres.BackfillProgress;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.MigrationStatus;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "backfill",
        description = {
            "Run the backfill from its checkpoint, or pause it.",
            "Runs in this process: after `start --no-backfill`, a pause, or an interruption. --pause asks a running"
                    + " backfill, in any process, to stop after its current batch. A move_table's copy is its backfill,"
                    + " and needs its target store (--store)."
        })
final class BackfillCommand extends TandemCommand {
    @Mixin
    ConnectionOptions connection;

    @Mixin
    BackfillOptions backfill;

    @Mixin
    StoreOptions stores;

    @Option(names = "--migration", paramLabel = "ID", description = "The migration; default: the active one.")
    String migrationId;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Mode mode = new Mode();

    static final class Mode {
        @Option(
                names = "--resume",
                description = "Lift a pause and run the backfill here from its checkpoint (the default).")
        boolean resume;

        @Option(names = "--pause", description = "Ask the running backfill, in any process, to pause after its batch.")
        boolean pause;
    }

    @Override
    int execute() {
        try (ConsoleListener listener = ConsoleListener.create(out(), Terminal.interactive(environment()))) {
            javax.sql.DataSource source = connection.dataSource(environment());
            // A move's copy is its backfill: without the hook it would be skipped and BACKFILLED recorded.
            Engine engine = Engine.create(
                    source,
                    backfill.engineOptions(listener)
                            .hook(dev.tandem.relay.MoveHook.builder(source)
                                    .stores(stores.dataSources(environment()))
                                    .maxRowsPerSecond(backfill.maxRowsPerSecond)
                                    .listener(listener)
                                    .build())
                            .build());
            if (mode != null && mode.pause) {
                MigrationStatus status = engine.pauseBackfill(migrationId, true);
                out().println("Asked the backfill of " + status.id() + " to pause after its current batch."
                        + " `tandem backfill --resume` goes on from the checkpoint.");
                return 0;
            }
            boolean paused = engine.status(migrationId)
                    .map(MigrationStatus::backfill)
                    .filter(b -> b.state() == BackfillProgress.State.PAUSED)
                    .isPresent();
            if (paused) {
                engine.pauseBackfill(migrationId, false);
                out().println("Lifted the pause; going on from the checkpoint.");
            }
            MigrationStatus status = engine.backfill(migrationId);
            listener.finish();
            out().println();
            StatusView.print(status, out());
        }
        return 0;
    }
}
