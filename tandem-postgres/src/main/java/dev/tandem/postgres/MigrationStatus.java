package dev.tandem.postgres;

import dev.tandem.core.Phase;
import java.time.Instant;

/**
 * Where one migration stands, as recorded in the target database's {@code tandem} schema.
 * {@code backfill} is null when there is no backfill to report; {@code unfinished} is null unless a
 * {@code complete} or {@code rollback} began and did not finish, in which case {@code phase} is still
 * the phase it began from and only that command can go on. {@code rollbackRefusal} says why
 * {@code rollback} cannot undo the migration (an irreversible {@code sql} operation); null when it can.
 *
 * <p>{@code catchingUp} is null unless the recorded phase is BACKFILLED but the migration does not
 * count as such right now ({@link StageHook#catchingUp}: a move whose relay is behind its bound); it
 * then says why, and {@code phase} is EXPANDED, as it was before the backfill was done. The history
 * keeps the recorded phase.
 */
public record MigrationStatus(
        String id,
        String schema,
        String versionSchema,
        Phase phase,
        String checksum,
        Instant createdAt,
        Instant updatedAt,
        BackfillProgress backfill,
        UnfinishedStage unfinished,
        String rollbackRefusal,
        String catchingUp) {}
