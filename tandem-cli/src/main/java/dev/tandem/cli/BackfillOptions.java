package dev.tandem.cli;

import dev.tandem.postgres.EngineListener;
import dev.tandem.postgres.EngineOptions;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

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
            description = "Hold the backfill to N rows over any second or longer; 0 means no limit"
                    + " (default: ${DEFAULT-VALUE}).")
    long maxRowsPerSecond;

    @Option(
            names = "--backfill-triggers",
            paramLabel = "skip|fire",
            defaultValue = "skip",
            converter = TriggersConverter.class,
            description = "Whether the backfill's updates fire the table's own triggers (an updated_at trigger,"
                    + " say). skip runs each batch with session_replication_role = replica, which needs a superuser"
                    + " or GRANT SET ON PARAMETER; fire runs them on every row (default: ${DEFAULT-VALUE}).")
    EngineOptions.BackfillTriggers backfillTriggers;

    EngineOptions.Builder engineOptions(EngineListener listener) {
        return EngineOptions.builder()
                .lockTimeout(lockTimeout)
                .batchTarget(Duration.ofMillis(batchMillis))
                .maxRowsPerSecond(maxRowsPerSecond)
                .backfillTriggers(backfillTriggers)
                .listener(listener);
    }

    /** {@code skip} or {@code fire}, as users type them. */
    static final class TriggersConverter implements ITypeConverter<EngineOptions.BackfillTriggers> {
        @Override
        public EngineOptions.BackfillTriggers convert(String value) {
            return switch (value.strip().toLowerCase(Locale.ROOT)) {
                case "skip" -> EngineOptions.BackfillTriggers.SKIP;
                case "fire" -> EngineOptions.BackfillTriggers.FIRE;
                default -> throw new TypeConversionException("expected skip or fire, got '" + value + "'");
            };
        }
    }
}
