package dev.tandem.postgres;

import dev.tandem.core.Migration;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Work another module does at the engine's stages for the operations it owns: {@code move_table}'s
 * capture, copy and clean-up, in tandem-relay, which the engine does not depend on. Each method runs
 * outside the engine's transactions; a failure in {@link #afterExpand} makes {@code start} undo what
 * it made (calling {@link #beforeRollback}), as any failed step does.
 */
public interface StageHook {
    StageHook NONE = new StageHook() {};

    /**
     * These hooks as one, in order: each stage runs each hook's work; a refusal or a catching-up is any
     * hook's, their reasons joined.
     */
    static StageHook all(StageHook... hooks) {
        List<StageHook> each = List.of(hooks);
        return new StageHook() {
            @Override
            public void afterExpand(Migration m) throws SQLException {
                for (StageHook h : each) {
                    h.afterExpand(m);
                }
            }

            @Override
            public void backfill(Migration m) throws SQLException {
                for (StageHook h : each) {
                    h.backfill(m);
                }
            }

            @Override
            public void beforeRollback(Migration m) throws SQLException {
                for (StageHook h : each) {
                    h.beforeRollback(m);
                }
            }

            @Override
            public String catchingUp(Migration m) throws SQLException {
                List<String> reasons = new ArrayList<>();
                for (StageHook h : each) {
                    reasons.add(h.catchingUp(m));
                }
                return joined(reasons);
            }

            @Override
            public void cutover(Migration m, Connection c, Duration lockTimeout) throws SQLException {
                for (StageHook h : each) {
                    h.cutover(m, c, lockTimeout);
                }
            }

            @Override
            public void revert(Migration m, Connection c, Duration lockTimeout) throws SQLException {
                for (StageHook h : each) {
                    h.revert(m, c, lockTimeout);
                }
            }

            @Override
            public void complete(Migration m, Duration lockTimeout) throws SQLException {
                for (StageHook h : each) {
                    h.complete(m, lockTimeout);
                }
            }

            @Override
            public String cutoverRefusal(Migration m) throws SQLException {
                List<String> reasons = new ArrayList<>();
                for (StageHook h : each) {
                    reasons.add(h.cutoverRefusal(m));
                }
                return joined(reasons);
            }

            @Override
            public String completeRefusal(Migration m) {
                return joined(each.stream().map(h -> h.completeRefusal(m)).toList());
            }

            private static String joined(List<String> reasons) {
                List<String> given =
                        reasons.stream().filter(java.util.Objects::nonNull).toList();
                return given.isEmpty() ? null : String.join("; ", given);
            }
        };
    }

    /** After the expand steps, before the phase is EXPANDED. */
    default void afterExpand(Migration m) throws SQLException {}

    /** After the engine's own backfill, before the validate steps: a backfill of the hook's own. */
    default void backfill(Migration m) throws SQLException {}

    /** Before the rollback steps, and when a failed start is undone. Must be idempotent. */
    default void beforeRollback(Migration m) throws SQLException {}

    /**
     * Why {@code m}, whose recorded phase says its backfill is done, does not count as BACKFILLED at
     * this moment; null when it does. For a move: the copy is done, but the changes captured since are
     * not delivered within their bound. Asked each time the phase is read and before a gate that relies
     * on BACKFILLED, and never recorded, because the answer moves both ways: a relay that stops lets
     * the lag grow again.
     */
    default String catchingUp(Migration m) throws SQLException {
        return null;
    }

    /**
     * At cutover, in the transaction that records CUT_OVER, on the engine's connection {@code c}: what
     * hands the writes over (a move's fence). The phase commits with what it does; a failure rolls both
     * back. {@code lockTimeout} bounds each of its lock waits.
     */
    default void cutover(Migration m, Connection c, Duration lockTimeout) throws SQLException {}

    /** At revert, as {@link #cutover} for the way back. */
    default void revert(Migration m, Connection c, Duration lockTimeout) throws SQLException {}

    /** At complete, after the engine's complete steps and before the phase is COMPLETE. */
    default void complete(Migration m, Duration lockTimeout) throws SQLException {}

    /**
     * Why {@code m} may not cut over now, beyond catching up ({@link #catchingUp}); null when it may. The
     * seam of the verification gate (DESIGN.md, Verification): a passing verification, no older than its
     * window, with drift within its threshold. {@code --force --reason} passes it, on the record.
     */
    default String cutoverRefusal(Migration m) throws SQLException {
        return null;
    }

    /** Why {@code complete} cannot run yet for {@code m}; null when it can. */
    default String completeRefusal(Migration m) {
        return null;
    }
}
