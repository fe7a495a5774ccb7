package dev.tandem.verify;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The result of one verification of a migration: what was compared ({@code compared}, one line per
 * table, and {@code method}), how many rows and how fast, the drifted keys ({@code driftRows} of them,
 * with up to {@link #SAMPLE} in {@code drift}), the suspects that cleared on re-check and those still
 * unresolved at the end, each invariant, and whether it passed: drift within {@code maxDriftRows}, no
 * suspect unresolved, and every invariant held.
 */
public record Verification(
        long id,
        String migrationId,
        Instant startedAt,
        Duration took,
        List<String> compared,
        String method,
        long rows,
        double rowsPerSecond,
        long driftRows,
        List<Drift> drift,
        long suspectsCleared,
        long unresolved,
        List<InvariantResult> invariants,
        long maxDriftRows,
        boolean passed) {
    /** Drifted keys kept with their field-level diffs, at most. */
    public static final int SAMPLE = 100;

    public Verification {
        compared = List.copyOf(compared);
        drift = List.copyOf(drift);
        invariants = List.copyOf(invariants);
    }

    /**
     * Whether it counts for the cutover gate at {@code now}: it passed, and it started within {@code
     * window} (what it read is no older than that).
     */
    public boolean passedWithin(Duration window, Instant now) {
        return passed && !startedAt.plus(window).isBefore(now);
    }
}
