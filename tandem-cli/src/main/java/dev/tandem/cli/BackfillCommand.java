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
                    + " backfill, in any process, to stop after its current batch."
        })
final class BackfillCommand extends TandemCommand {
    @Mixin
    ConnectionOptions connection;

    @Mixin
    BackfillOptions backfill;

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
            Engine engine = Engine.create(
                    connection.dataSource(environment()),
                    backfill.engineOptions(listener).build());
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
