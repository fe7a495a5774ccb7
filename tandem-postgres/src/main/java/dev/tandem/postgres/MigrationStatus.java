package dev.tandem.postgres;

import dev.tandem.core.Phase;
import java.time.Instant;

/** Where one migration stands, as recorded in the target database's {@code tandem} schema. */
public record MigrationStatus(
        String id,
        String schema,
        String versionSchema,
        Phase phase,
        String checksum,
        Instant createdAt,
        Instant updatedAt,
        BackfillProgress backfill) {}
