package dev.tandem.cli;

import dev.tandem.postgres.EngineListener;
import dev.tandem.postgres.EngineOptions;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How a backfill runs: the options `start` and `backfill` share. */
final class BackfillOptions {
    @Option(
            names = "--lock-timeout",
            paramLabel = "DURATION",
            defaultValue = "500ms",
            converter = DurationConverter.class,
            description = "The longest any step may make other sessions wait for a lock (default: ${DEFAULT-VALUE}).")
    Duration lockTimeout;

    @Option(
            names = "--batch-ms",
            paramLabel = "MILLIS",
            defaultValue = "100",
            description = "How long one backfill batch should take, in milliseconds (default: ${DEFAULT-VALUE}).")
    long batchMillis;

    @Option(
            names = "--max-rows-per-second",
            paramLabel = "N",
            defaultValue = "0",
            description = "Throttle the backfill; 0 means no limit (default: ${DEFAULT-VALUE}).")
    long maxRowsPerSecond;

    EngineOptions.Builder engineOptions(EngineListener listener) {
        return EngineOptions.builder()
                .lockTimeout(lockTimeout)
                .batchTarget(Duration.ofMillis(batchMillis))
                .maxRowsPerSecond(maxRowsPerSecond)
                .listener(listener);
    }
}
