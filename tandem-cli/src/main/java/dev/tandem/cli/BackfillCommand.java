package dev.tandem.cli;

import dev.tandem.postgres.BackfillProgress;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.postgres.MigrationStatus;
import java.time.Duration;
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

    @Option(names = "--migration", paramLabel = "ID", description = "The migration; default: the active one.")
    String migrationId;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Mode mode = new Mode();

    @Option(
            names = "--lock-timeout",
            paramLabel = "DURATION",
            defaultValue = "500ms",
            converter = DurationConverter.class,
            description = "The longest a batch may make other sessions wait for a lock (default: ${DEFAULT-VALUE}).")
    Duration lockTimeout;

    @Option(
            names = "--batch-ms",
            paramLabel = "MILLIS",
            defaultValue = "100",
            description = "How long one batch should take, in milliseconds (default: ${DEFAULT-VALUE}).")
    long batchMillis;

    @Option(
            names = "--max-rows-per-second",
            paramLabel = "N",
            defaultValue = "0",
            description = "Throttle; 0 means no limit (default: ${DEFAULT-VALUE}).")
    long maxRowsPerSecond;

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
                    EngineOptions.builder()
                            .lockTimeout(lockTimeout)
                            .batchTarget(Duration.ofMillis(batchMillis))
                            .maxRowsPerSecond(maxRowsPerSecond)
                            .listener(listener)
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
