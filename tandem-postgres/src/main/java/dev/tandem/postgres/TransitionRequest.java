package dev.tandem.postgres;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;

/**
 * A request to move a migration to another phase. {@code migrationId} is null to act on the active
 * migration. {@code force} passes a refusing gate and requires a {@code reason}, which is recorded.
 */
public record TransitionRequest(String migrationId, boolean force, String reason) {
    public TransitionRequest {
        if (force && (reason == null || reason.isBlank())) {
            throw new TandemException(
                    ErrorCode.USAGE, "--force needs --reason \"...\": the reason is recorded in the history");
        }
    }

    public static TransitionRequest active() {
        return new TransitionRequest(null, false, null);
    }

    public static TransitionRequest of(String migrationId) {
        return new TransitionRequest(migrationId, false, null);
    }
}
