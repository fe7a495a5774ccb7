package dev.tandem.postgres;

import dev.tandem.core.Phase;
import java.time.Instant;

/**
 * One recorded phase change. {@code from} is null for the first change of each attempt; {@code reason}
 * is null unless one was given (always when forced, and "start failed" when a start undid itself).
 * {@code attempt} counts from 1: a migration whose start failed may be started again, and each start
 * is a new attempt. {@code checksum} is that attempt's file checksum.
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
        String checksum) {}
