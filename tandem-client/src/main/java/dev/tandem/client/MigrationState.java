package dev.tandem.client;

import dev.tandem.core.Phase;

/**
 * What the store says about one migration, as last read: its phase, its shapes, its flags and, for
 * a move, the target store and the authoritative side. The rules that bound the flags by the phase
 * live here, in one place. Immutable.
 *
 * @param schema the base schema; null when the store does not know the migration
 * @param versionSchema the schema of views presenting the new shape (in-store migrations)
 * @param move whether the migration moves a table to another store
 * @param store the target store of a move; null for in-store migrations
 * @param readsNewFlag the {@code tandem.flags.reads_new} percentage, 0 when unset
 * @param shapeNewFlag whether {@code tandem.flags.shape} is {@code new}
 * @param targetAuthoritative whether {@code tandem.moves.authoritative} says {@code target}
 */
record MigrationState(
        String id,
        String schema,
        Phase phase,
        String versionSchema,
        boolean move,
        String store,
        int readsNewFlag,
        boolean shapeNewFlag,
        boolean targetAuthoritative) {

    /** A migration the store does not know (yet): everything stays on the old side. */
    static MigrationState unknown(String id) {
        return new MigrationState(id, null, Phase.PLANNED, null, false, null, 0, false, false);
    }

    boolean known() {
        return schema != null;
    }

    /** Whether the phase lets reads use the new side at all (BACKFILLED through CUT_OVER). */
    boolean bothSidesServed() {
        return phase == Phase.BACKFILLED || phase == Phase.VERIFIED || phase == Phase.CUT_OVER;
    }

    /** For in-store migrations: whether connections get the version schema first on their search_path. */
    boolean shapeNew() {
        return !move && shapeNewFlag && bothSidesServed();
    }

    /**
     * The share of routing keys that read the new side: 0 before BACKFILLED and after a rollback, the
     * flag from BACKFILLED through CUT_OVER (100 for an in-store migration whose shape flag is new, as
     * every connection then sees the new shape), and 100 once complete.
     */
    int readsNewPercent() {
        return switch (phase) {
            case PLANNED, EXPANDED, ROLLED_BACK -> 0;
            case BACKFILLED, VERIFIED, CUT_OVER -> shapeNew() ? 100 : Math.clamp(readsNewFlag, 0, 100);
            case COMPLETE -> 100;
        };
    }

    /**
     * The side application writes go to. For a move, the side {@code tandem.moves} names as
     * authoritative while it runs; for an in-store migration, the new shape from CUT_OVER on. Complete
     * means new and rolled back means old for both.
     */
    Side writeSide() {
        return switch (phase) {
            case COMPLETE -> Side.NEW;
            case ROLLED_BACK, PLANNED -> Side.OLD;
            case EXPANDED, BACKFILLED, VERIFIED, CUT_OVER -> {
                if (move) {
                    yield targetAuthoritative ? Side.NEW : Side.OLD;
                }
                yield phase == Phase.CUT_OVER ? Side.NEW : Side.OLD;
            }
        };
    }

    Side readSide(String routingKey) {
        return RoutingHash.readsNew(routingKey, readsNewPercent()) ? Side.NEW : Side.OLD;
    }

    Stage stage() {
        if (phase == Phase.COMPLETE) {
            return Stage.COMPLETE;
        }
        if (phase == Phase.ROLLED_BACK) {
            return Stage.ROLLED_BACK;
        }
        if (writeSide() == Side.NEW) {
            return Stage.WRITES_NEW;
        }
        int reads = readsNewPercent();
        return reads == 0 ? Stage.OLD : reads == 100 ? Stage.READS_NEW : Stage.READS_SPLIT;
    }

    /**
     * What a heartbeat reports as the side in use: for an in-store migration the shape its connections
     * get ({@code both} while some keys read the new shape through {@link MigrationHandle#read}); for a
     * move {@code old} when writes go old and no reads go new, {@code new} when writes go new and every
     * read goes new, {@code both} otherwise.
     */
    String heartbeatSide() {
        int reads = readsNewPercent();
        if (!move) {
            return phase == Phase.COMPLETE || shapeNew() ? "new" : reads > 0 ? "both" : "old";
        }
        Side writes = writeSide();
        if (writes == Side.OLD && reads == 0) {
            return "old";
        }
        return writes == Side.NEW && reads == 100 ? "new" : "both";
    }

    /** Whether the new shape's version schema exists, so a connection can be pointed at it. */
    boolean versionSchemaServed() {
        return !move && versionSchema != null && (phase == Phase.EXPANDED || bothSidesServed());
    }
}
