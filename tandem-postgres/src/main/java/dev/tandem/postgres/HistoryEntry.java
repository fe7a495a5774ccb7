package dev.tandem.postgres;

import dev.tandem.core.Phase;
import java.time.Instant;

/** One recorded phase change. {@code from} is null for the first; {@code reason} is null unless forced. */
public record HistoryEntry(
        long sequence,
        String migrationId,
        String schema,
        Phase from,
        Phase to,
        Instant at,
        boolean forced,
        String reason,
        String actor) {}
