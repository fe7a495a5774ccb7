package dev.tandem.client;

/**
 * Where a migration stands for this client, in the words a dashboard or a feature-flag provider uses.
 * Derived from the phase, the flags and the authoritative side; {@link #wireName()} is stable.
 */
public enum Stage {
    /** Reads and writes go to the old side (before BACKFILLED, or with no reads moved yet). */
    OLD("old"),
    /** Some routing keys read the new side; writes go to the old side. */
    READS_SPLIT("reads-split"),
    /** Every read goes to the new side; writes still go to the old side. */
    READS_NEW("reads-new"),
    /** Cut over: writes go to the new side (reads follow the reads-new share). */
    WRITES_NEW("writes-new"),
    /** The migration is complete: only the new side is left. */
    COMPLETE("complete"),
    /** The migration was rolled back: only the old side is left. */
    ROLLED_BACK("rolled-back");

    private final String wireName;

    Stage(String wireName) {
        this.wireName = wireName;
    }

    /** The stable, lower-case, hyphenated name, for metrics, logs and flag providers. */
    public String wireName() {
        return wireName;
    }
}
