package dev.tandem.postgres;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;

/**
 * A change of a migration's runtime flags. {@code migrationId} is null to act on the active
 * migration. {@code readsNewPercent} (0 to 100) and {@code shape} are null to keep what is set; at
 * least one is given. Throws {@link ErrorCode#USAGE} otherwise, before anything is read or changed.
 */
public record FlagRequest(String migrationId, Integer readsNewPercent, Shape shape) {
    public FlagRequest {
        if (readsNewPercent == null && shape == null) {
            throw new TandemException(
                    ErrorCode.USAGE,
                    "nothing to change: give --reads-new PERCENT (0 to 100) and/or --shape old|new."
                            + " Writes are not a flag: they move only with `tandem cutover`");
        }
        if (readsNewPercent != null && (readsNewPercent < 0 || readsNewPercent > 100)) {
            throw new TandemException(
                    ErrorCode.USAGE,
                    "reads-new is a share of routing keys, from 0 to 100 percent; got " + readsNewPercent + "%");
        }
    }

    /** Sends {@code percent} of the routing keys' reads to the new side. */
    public static FlagRequest readsNew(String migrationId, int percent) {
        return new FlagRequest(migrationId, percent, null);
    }

    /** Puts every in-store client on {@code shape}. */
    public static FlagRequest shape(String migrationId, Shape shape) {
        return new FlagRequest(migrationId, null, shape);
    }
}
