package dev.tandem.relay;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.Operation.MoveTable;
import dev.tandem.core.TandemException;
import dev.tandem.postgres.EngineListener;
import dev.tandem.postgres.StageHook;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * What the engine's stages do for {@code move_table}: at expand, capture on the source, the
 * applied-versions state on the target, the move's registration for relays, and the way back (capture
 * and guards, switched off); at backfill, the copy of the rows that existed; at cutover and revert,
 * the {@link Fence} that hands the writes from one store to the other; at complete, the end of sync,
 * leaving the source a read-only archive; at rollback, all of it removed again, after the target's
 * last changes went back when it was authoritative, so rollback loses nothing a client wrote.
 *
 * <p>The engine records BACKFILLED once the copy is done; {@link #catchingUp} then tells it, each
 * time, whether every move is also within its lag bound ({@link MoveStatus#backfilled()}), so that
 * {@code status} and the gates that rely on BACKFILLED see a move that fell behind as catching up.
 * Built with {@link #builder(DataSource)}; immutable once built.
 */
public final class MoveHook implements StageHook {
    private final DataSource source;
    private final Map<String, DataSource> stores;
    private final int copyBatch;
    private final long maxRowsPerSecond;
    private final Duration maxLag;
    private final EngineListener listener;
    private final Duration lockTimeout = Duration.ofMillis(500);

    private MoveHook(Builder b) {
        this.source = b.source;
        this.stores = Map.copyOf(b.stores);
        this.copyBatch = b.copyBatch;
        this.maxRowsPerSecond = b.maxRowsPerSecond;
        this.maxLag = b.maxLag;
        this.listener = b.listener;
    }

    /** A hook for the moves out of {@code source}; every other setting has a default. */
    public static Builder builder(DataSource source) {
        return new Builder(source);
    }

    public static final class Builder {
        private final DataSource source;
        private Map<String, DataSource> stores = Map.of();
        private int copyBatch = Moves.COPY_BATCH;
        private long maxRowsPerSecond;
        private Duration maxLag = MoveStatus.DEFAULT_MAX_LAG;
        private EngineListener listener = EngineListener.NONE;

        private Builder(DataSource source) {
            this.source = Objects.requireNonNull(source, "source");
        }

        /** The target stores, by the name a file's {@code to: { store: ... }} gives (default none). */
        public Builder stores(Map<String, DataSource> v) {
            stores = Objects.requireNonNull(v, "stores");
            return this;
        }

        /** Rows per batch of the copy of existing rows (default 1000). */
        public Builder copyBatch(int v) {
            requireArgument(v >= 1, "the copy batch must be at least 1 row, got " + v);
            copyBatch = v;
            return this;
        }

        /** The copy's throttle, as the engine's backfill has it; 0 for none (the default). */
        public Builder maxRowsPerSecond(long v) {
            requireArgument(v >= 0, "max rows per second must be 0 (no limit) or more, got " + v);
            maxRowsPerSecond = v;
            return this;
        }

        /**
         * The lag within which a move started through this hook counts as backfilled, recorded with
         * the move (default {@link MoveStatus#DEFAULT_MAX_LAG}); 0 means the outbox must be empty.
         */
        public Builder maxLag(Duration v) {
            requireArgument(v != null && !v.isNegative(), "the lag bound must be 0 or more, got " + v);
            maxLag = v;
            return this;
        }

        public Builder listener(EngineListener v) {
            listener = Objects.requireNonNull(v, "listener");
            return this;
        }

        public MoveHook build() {
            return new MoveHook(this);
        }

        private static void requireArgument(boolean ok, String message) {
            if (!ok) {
                throw new TandemException(ErrorCode.USAGE, message);
            }
        }
    }

    /** A move of {@code m}, as the relay carries it: named {@code <migration id>.<table>}. */
    public static MoveSpec spec(Migration m, MoveTable op) {
        List<String> targetKey = new ArrayList<>();
        for (String k : op.key()) {
            targetKey.add(op.columns().keySet().stream()
                    .filter(t -> op.sourceOf(t).map(k::equals).orElse(false))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(
                            "key column " + k + " of " + op.table() + " is not mapped to a target column")));
        }
        MoveTableCheck.TargetName target = MoveTableCheck.TargetName.of(op.toTable());
        return new MoveSpec(
                m.id() + "." + op.table(),
                m.schema(),
                op.table(),
                op.key(),
                target.schema(),
                target.table(),
                op.columns(),
                targetKey);
    }

    static List<MoveTable> moves(Migration m) {
        return m.operations().stream()
                .filter(MoveTable.class::isInstance)
                .map(MoveTable.class::cast)
                .toList();
    }

    private DataSource target(MoveTable op) {
        DataSource target = stores.get(op.toStore());
        if (target == null) {
            throw new TandemException(
                    ErrorCode.USAGE,
                    "move_table at " + op.location() + " goes to store " + op.toStore()
                            + ", which was not given: pass --store " + op.toStore() + "=URL");
        }
        return target;
    }

    @Override
    public void afterExpand(Migration m) throws SQLException {
        for (MoveTable op : moves(m)) {
            MoveSpec spec = spec(m, op);
            MoveSpec reverse;
            try (Connection c = source.getConnection()) {
                reverse = Moves.reverse(c, spec, op.reverse(), op.copiedColumns());
            }
            Moves.prepare(source, target(op), spec, reverse, op.toStore());
            try (Connection c = source.getConnection()) {
                MoveRegistry.maxLag(c, spec.migrationId(), maxLag);
            }
            listener.info("capture installed on " + m.schema() + "." + op.table() + "; every write now goes to the"
                    + " outbox for store " + op.toStore());
        }
    }

    @Override
    public void backfill(Migration m) throws SQLException {
        for (MoveTable op : moves(m)) {
            MoveSpec spec = spec(m, op);
            long rows = Moves.copy(source, target(op), spec, copyBatch, maxRowsPerSecond, listener::backfillProgress);
            try (Connection c = source.getConnection()) {
                MoveRegistry.copied(c, spec.migrationId(), rows);
            }
            listener.info("copied " + rows + " existing rows of " + m.schema() + "." + op.table() + " to "
                    + op.toStore() + "." + op.toTable() + "; `tandem relay` delivers every change since");
        }
    }

    @Override
    public void beforeRollback(Migration m) throws SQLException {
        for (MoveTable op : moves(m)) {
            MoveSpec spec = spec(m, op);
            MoveRegistry.Registered registered = registered(spec);
            if (registered != null && registered.authoritative() == MoveRegistry.Side.TARGET) {
                // Cut over: the target holds writes the source may not have yet. They go back first, under
                // the fence, as at revert; then the move comes down.
                try (Connection c = source.getConnection()) {
                    c.setAutoCommit(false);
                    new Fence(source, target(op), registered, lockTimeout, listener).revert(c);
                    c.commit();
                }
            }
            Moves.remove(source, stores.get(op.toStore()), spec);
        }
    }

    @Override
    public void cutover(Migration m, Connection c, Duration lockTimeout) throws SQLException {
        for (MoveTable op : moves(m)) {
            fence(m, op, lockTimeout).cutover(c);
        }
    }

    @Override
    public void revert(Migration m, Connection c, Duration lockTimeout) throws SQLException {
        for (MoveTable op : moves(m)) {
            fence(m, op, lockTimeout).revert(c);
        }
    }

    @Override
    public void complete(Migration m, Duration lockTimeout) throws SQLException {
        for (MoveTable op : moves(m)) {
            fence(m, op, lockTimeout).complete();
            listener.info("sync of " + m.schema() + "." + op.table() + " stopped: " + op.toStore() + "." + op.toTable()
                    + " owns the table, and the source stays a read-only archive");
        }
    }

    private Fence fence(Migration m, MoveTable op, Duration lockTimeout) throws SQLException {
        MoveSpec spec = spec(m, op);
        MoveRegistry.Registered registered = registered(spec);
        if (registered == null) {
            throw new TandemException(
                    ErrorCode.PHASE_INVALID,
                    "move " + spec.migrationId() + " is not registered in this store: was it started here?");
        }
        return new Fence(source, target(op), registered, lockTimeout, listener);
    }

    private MoveRegistry.Registered registered(MoveSpec spec) throws SQLException {
        try (Connection c = source.getConnection()) {
            return MoveRegistry.find(c, spec.migrationId()).orElse(null);
        }
    }

    /**
     * Every move of {@code m} that is not backfilled now, each with why; null when none. A move whose
     * state cannot be read is not backfilled either: nothing says it is caught up.
     */
    @Override
    public String catchingUp(Migration m) {
        List<String> behind = new ArrayList<>();
        for (MoveTable op : moves(m)) {
            String why;
            try {
                why = MoveStatus.of(source, null, spec(m, op).migrationId()).catchingUp();
            } catch (SQLException e) {
                why = "its delivery state could not be read (" + e.getMessage() + ")";
            }
            if (why != null) {
                behind.add(op.table() + " -> " + op.toStore() + "." + op.toTable() + ": " + why);
            }
        }
        return behind.isEmpty() ? null : String.join("; ", behind);
    }

    @Override
    public String completeRefusal(Migration m) {
        for (MoveTable op : moves(m)) {
            MoveRegistry.Registered registered;
            try {
                registered = registered(spec(m, op));
            } catch (SQLException e) {
                return "the state of the move of " + op.table() + " could not be read (" + e.getMessage() + ")";
            }
            if (registered == null || registered.authoritative() != MoveRegistry.Side.TARGET) {
                return "it moves " + op.table() + " to store " + op.toStore() + ", and the source is still"
                        + " authoritative: `tandem cutover` hands the writes over first";
            }
        }
        return null;
    }
}
