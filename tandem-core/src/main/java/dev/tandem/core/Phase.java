package dev.tandem.core;

import java.util.Set;

/** Where a migration stands. See DESIGN.md, Phases. */
public enum Phase {
    PLANNED,
    EXPANDED,
    BACKFILLED,
    VERIFIED,
    CUT_OVER,
    COMPLETE,
    ROLLED_BACK;

    /** Whether the migration still holds both shapes (it is the schema's active migration). */
    public boolean active() {
        return this != COMPLETE && this != ROLLED_BACK;
    }

    /** The phases this one may move to. */
    public Set<Phase> next() {
        return switch (this) {
            case PLANNED -> Set.of(EXPANDED, ROLLED_BACK);
            case EXPANDED -> Set.of(BACKFILLED, ROLLED_BACK);
            case BACKFILLED -> Set.of(VERIFIED, CUT_OVER, COMPLETE, ROLLED_BACK);
            case VERIFIED -> Set.of(CUT_OVER, COMPLETE, ROLLED_BACK);
            case CUT_OVER -> Set.of(VERIFIED, COMPLETE, ROLLED_BACK);
            case COMPLETE, ROLLED_BACK -> Set.of();
        };
    }

    public boolean canMoveTo(Phase target) {
        return next().contains(target);
    }
}
