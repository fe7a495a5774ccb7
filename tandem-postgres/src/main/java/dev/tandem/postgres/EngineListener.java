package dev.tandem.postgres;

import java.time.Duration;

/**
 * Receives what the engine does, as it does it: for a CLI to print, or a test to record. Called on
 * the engine's thread; implementations must be quick. Every method has a no-op default.
 */
public interface EngineListener {
    EngineListener NONE = new EngineListener() {};

    default void stepStarted(PlannedStep step) {}

    default void stepFinished(PlannedStep step, Duration took) {}

    /** A step could not take its lock within the lock timeout and will be retried after {@code backoff}. */
    default void retrying(PlannedStep step, int attempt, int maxAttempts, Duration backoff, String reason) {}

    default void backfillProgress(BackfillProgress progress) {}

    /** Free-form information worth showing to an operator. */
    default void info(String message) {}
}
