package dev.tandem.relay;

import dev.tandem.core.Migration;
import dev.tandem.core.Operation.MoveTable;
import dev.tandem.postgres.EngineListener;
import dev.tandem.postgres.StageHook;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * What the engine's stages do for {@code move_table}: at expand, capture on the source, the
 * applied-versions state on the target, and the move's registration for relays; at backfill, the
 * copy of the rows that existed; at rollback, all of that removed again. The source stays
 * authoritative throughout, so rollback loses nothing a client wrote. The fenced cutover that would
 * let {@code complete} finish a move comes with the client library; until then complete refuses.
 */
public final class MoveHook implements StageHook {
    private final DataSource source;
    private final Map<String, DataSource> stores;
    private final int copyBatch;
    private final long maxRowsPerSecond;
    private final EngineListener listener;

    /**
     * @param copyBatch rows per batch of the copy of existing rows
     * @param maxRowsPerSecond the copy's throttle, as the engine's backfill has it; 0 for none
     */
    public MoveHook(
            DataSource source,
            Map<String, DataSource> stores,
            int copyBatch,
            long maxRowsPerSecond,
            EngineListener listener) {
        this.source = source;
        this.stores = Map.copyOf(stores);
        this.copyBatch = copyBatch;
        this.maxRowsPerSecond = maxRowsPerSecond;
        this.listener = listener;
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
        String targetSchema = "public";
        String targetTable = op.toTable();
        int dot = targetTable.indexOf('.');
        if (dot > 0) {
            targetSchema = targetTable.substring(0, dot);
            targetTable = targetTable.substring(dot + 1);
        }
        return new MoveSpec(
                m.id() + "." + op.table(),
                m.schema(),
                op.table(),
                op.key(),
                targetSchema,
                targetTable,
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
            throw new IllegalArgumentException("move_table at " + op.location() + " goes to store " + op.toStore()
                    + ", which was not given: pass --store " + op.toStore() + "=URL");
        }
        return target;
    }

    @Override
    public void afterExpand(Migration m) throws SQLException {
        for (MoveTable op : moves(m)) {
            MoveSpec spec = spec(m, op);
            Moves.prepare(source, target(op), spec, op.toStore());
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
            Moves.remove(source, stores.get(op.toStore()), spec(m, op));
        }
    }

    @Override
    public String completeRefusal(Migration m) {
        List<MoveTable> moves = moves(m);
        return moves.isEmpty()
                ? null
                : "it moves " + moves.getFirst().table() + " to store "
                        + moves.getFirst().toStore()
                        + ", and the fenced cutover that hands the table over is not built yet; keep the relay"
                        + " running, or `tandem rollback` (the source keeps every write)";
    }
}
