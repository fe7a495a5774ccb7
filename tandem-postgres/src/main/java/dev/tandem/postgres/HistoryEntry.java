package dev.tandem.postgres;

import dev.tandem.core.Phase;
import java.time.Instant;

/**
 * One recorded event: a phase change, or a change of the runtime flags ({@link Kind#FLAGS}).
 * {@code from} is null for the first change of each attempt; {@code reason} is null unless one was
 * given (always when forced, and "start failed" when a start undid itself). {@code attempt} counts
 * from 1: a migration whose start failed may be started again, and each start is a new attempt.
 * {@code checksum} is that attempt's file checksum.
 *
 * <p>A flag change keeps the phase ({@code from} and {@code to} are both the phase it was made in),
 * and {@code detail} says what changed, as in {@code reads-new 0% -> 25%, shape old}; {@code detail}
 * is null for a phase change.
 */
public record HistoryEntry(
        long sequence,
        String migrationId,
        String schema,
        Phase from,
        Phase to,
        Instant at,
        boolean forced,
        String reason,
        String actor,
        int attempt,
        String checksum,
        Kind kind,
        String detail) {

    /** What a history entry records. */
    public enum Kind {
        /** The migration moved from one phase to another. */
        PHASE,
        /** Its runtime flags changed (`tandem flag`); the phase did not. */
        FLAGS
    }

    /** A phase change. */
    public HistoryEntry(
            long sequence,
            String migrationId,
            String schema,
            Phase from,
            Phase to,
            Instant at,
            boolean forced,
            String reason,
            String actor,
            int attempt,
            String checksum) {
        this(sequence, migrationId, schema, from, to, at, forced, reason, actor, attempt, checksum, Kind.PHASE, null);
    }
}
