package dev.tandem.postgres;

import java.util.Locale;

/**
 * A {@code complete} or {@code rollback} that ran some of its steps and then stopped (the process was
 * killed, or a step failed) before the migration's phase moved. Part of one shape is already gone, so
 * the other command is no longer safe: only running the same command again finishes it.
 *
 * @param stage {@link Stage#COMPLETE} or {@link Stage#ROLLBACK}
 * @param stepsDone how many of its steps ran, at least one
 * @param stepsTotal how many steps it has
 */
public record UnfinishedStage(Stage stage, int stepsDone, int stepsTotal) {
    /** The command that finishes it: {@code complete} or {@code rollback}. */
    public String command() {
        return stage.name().toLowerCase(Locale.ROOT);
    }
}
