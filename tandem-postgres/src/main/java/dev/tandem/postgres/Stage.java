package dev.tandem.postgres;

/** When a recipe step runs. */
public enum Stage {
    /** During {@code start}, before the backfill: the new shape appears beside the old. */
    EXPAND,
    /** During {@code start}: rows that existed before are brought into the new shape. */
    BACKFILL,
    /** After the backfill: constraints added NOT VALID are validated. */
    VALIDATE,
    /** During {@code complete}: the old shape is removed. */
    COMPLETE,
    /** During {@code rollback}: the new shape is removed. */
    ROLLBACK
}
