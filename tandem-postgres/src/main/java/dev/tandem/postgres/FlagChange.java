package dev.tandem.postgres;

import dev.tandem.core.Phase;

/**
 * What {@link Engine#flag} did: the flags before and after, and the migration's phase then.
 * {@code changed} is false when the request asked for what was already set: nothing was written,
 * recorded or announced.
 */
public record FlagChange(MigrationFlags before, MigrationFlags after, Phase phase, boolean changed) {

    /**
     * {@code reads-new 0% -> 25%, shape old}: each flag, with an arrow from its old value where it
     * changed. The history records this text.
     */
    public String describe() {
        String reads = before.readsNewPercent() == after.readsNewPercent()
                ? "reads-new " + after.readsNewPercent() + "%"
                : "reads-new " + before.readsNewPercent() + "% -> " + after.readsNewPercent() + "%";
        String shape = before.shape() == after.shape()
                ? "shape " + after.shape().wireName()
                : "shape " + before.shape().wireName() + " -> " + after.shape().wireName();
        return reads + ", " + shape;
    }
}
