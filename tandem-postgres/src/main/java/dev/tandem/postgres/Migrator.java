package dev.tandem.postgres;

import dev.tandem.core.Migration;
import dev.tandem.core.TandemException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Applies a directory of migrations in order, as {@code tandem migrate} does: compares the files with
 * the database's history ({@link #plan}), then starts and completes each migration not yet applied
 * through the {@link Engine} ({@link #run}), one at a time, so that each is complete before the next
 * starts.
 *
 * <p>Every step is one of the engine's own commands, with its gates and its record in the history, so
 * a run that stops (a refused gate, a failed step, a killed process) is taken up again by running the
 * same plan anew: it goes on from where the database stands. Not thread-safe: use one per thread.
 */
public final class Migrator {
    private final DataSource dataSource;
    private final Engine engine;

    private Migrator(DataSource dataSource, EngineOptions options) {
        this.dataSource = dataSource;
        // Each migration but the last is completed, which needs its backfill done.
        this.engine =
                Engine.create(dataSource, options.toBuilder().backfill(true).build());
    }

    /** A migrator over this database; {@code options} as the engine's, except that it always backfills. */
    public static Migrator create(DataSource dataSource, EngineOptions options) {
        return new Migrator(dataSource, options);
    }

    /** Receives each action as it begins and ends; called on the migrator's thread. */
    public interface Listener {
        default void starting(MigrationPlan.Action action) {}

        default void finished(MigrationPlan.Action action, MigrationStatus status) {}
    }

    /**
     * What applying {@code migrations}, in this order, would do to this database, or why it cannot.
     * Reads the history only: changes nothing, and creates no {@code tandem} schema.
     *
     * @param completeLast whether the last migration is completed too, instead of being left started
     * @throws TandemException when the database cannot be read
     */
    public MigrationPlan plan(List<Migration> migrations, boolean completeLast) {
        try (Connection c = Jdbc.connect(dataSource)) {
            List<MigrationPlan.Recorded> history = new ArrayList<>();
            for (StateStore.Row r : StateStore.all(c)) {
                history.add(new MigrationPlan.Recorded(
                        r.id(),
                        r.schema(),
                        r.phase(),
                        r.checksum(),
                        r.source(),
                        Attempts.startFailed(c, r),
                        StateStore.unfinished(c, r)));
            }
            return MigrationPlan.compare(migrations, history, completeLast);
        } catch (SQLException e) {
            throw Jdbc.failure("read the migration history", e);
        }
    }

    /**
     * Runs the plan's actions in order and stops at the first that fails or is refused, throwing the
     * engine's exception: what ran before it stays done, and the migration it acted on stays where that
     * command left it. {@code gates} applies to every complete: its {@code force} and {@code reason}
     * pass a sunset gate, on the record; its migration id is ignored.
     *
     * @return the status of the last migration acted on; empty when there was nothing to do
     * @throws TandemException {@link dev.tandem.core.ErrorCode#HISTORY_MISMATCH} when the plan has
     *     conflicts (nothing is changed), or whatever the failing command threw
     */
    public Optional<MigrationStatus> run(MigrationPlan plan, TransitionRequest gates, Listener listener) {
        plan.requireNoConflicts();
        MigrationStatus status = null;
        for (MigrationPlan.Action action : plan.actions()) {
            listener.starting(action);
            String id = action.migration().id();
            status = switch (action.kind()) {
                case START -> engine.start(action.migration());
                case BACKFILL -> engine.backfill(id);
                case COMPLETE -> engine.complete(new TransitionRequest(id, gates.force(), gates.reason()));
            };
            listener.finished(action, status);
        }
        return Optional.ofNullable(status);
    }
}
