package dev.tandem.relay;

import dev.tandem.postgres.BackfillProgress;
import dev.tandem.postgres.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Setting a move up and taking it down on both stores, and copying the rows that existed before
 * capture began. The copy streams the source's rows in key ranges into the target and writes only the
 * keys the relay has not touched, behind a fence that keeps each batch and the relay's applies apart,
 * so a row the copy read before a live update or delete never overwrites it, whichever reaches the
 * target first ({@link ExistingRowsCopy} says why).
 */
public final class Moves {
    /**
     * Rows per batch of the copy when the caller has no reason to choose: large enough that a batch's
     * fixed costs (its bound, its commit) are a few percent of it, small enough that the relay's
     * applies, which wait while a batch writes, wait well under a second.
     */
    public static final int COPY_BATCH = 100_000;

    private Moves() {}

    /** Creates the outbox and capture on the source and the applied-versions table on the target. */
    public static void prepare(DataSource source, DataSource target, MoveSpec m) throws SQLException {
        prepare(source, target, m, null);
    }

    /**
     * As {@link #prepare(DataSource, DataSource, MoveSpec)}, and registers the move for relays under the
     * name of its target store, in the same transaction as capture. With a {@code reverse} (the way
     * back: target to source, {@link #reverse}), the cutover's parts are made ready too, all switched
     * off: capture and the write guard on the target, the guard on the source, and the applied-versions
     * state on the source.
     */
    public static void prepare(DataSource source, DataSource target, MoveSpec m, String store) throws SQLException {
        prepare(source, target, m, null, store);
    }

    static void prepare(DataSource source, DataSource target, MoveSpec m, MoveSpec reverse, String store)
            throws SQLException {
        try (Connection c = source.getConnection()) {
            Outbox.install(c);
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute(Capture.install(m));
                if (reverse != null) {
                    s.execute(Guard.install(
                            m,
                            "table " + Guard.name(m) + " takes no application writes: move " + m.migrationId()
                                    + " has cut over to store " + store + ", where the table is "
                                    + Guard.name(reverse),
                            "write to " + Guard.name(reverse) + " in store " + store
                                    + " (tandem-client routes there by itself); `tandem status` shows the move"));
                }
                if (store != null) {
                    MoveRegistry.register(c, m, reverse, store);
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
        try (Connection c = target.getConnection()) {
            TargetState.install(c, m);
            if (reverse != null) {
                Outbox.install(c);
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.execute(Capture.install(reverse));
                    s.execute(Capture.disable(reverse));
                    s.execute(Guard.install(
                            reverse,
                            "table " + Guard.name(reverse) + " in store " + store + " takes no application writes:"
                                    + " move " + m.migrationId() + " is not cut over (or was reverted), so writes go"
                                    + " to " + Guard.name(m) + " in its source store",
                            "write to " + Guard.name(m) + " in the source store (tandem-client routes there by"
                                    + " itself); `tandem status` shows the move"));
                    c.commit();
                } catch (SQLException e) {
                    c.rollback();
                    throw e;
                }
            }
        }
        if (reverse != null) {
            try (Connection c = source.getConnection()) {
                TargetState.install(c, reverse);
            }
        }
    }

    /**
     * The way back of {@code forward}, which carries the target's changes to the source once the move is
     * cut over: each source column from its {@code reverse} expression over the target row, or else from
     * the target column it is copied to by name. Generated source columns compute themselves and are left
     * out; so is a column neither gives (the file check refuses such a file).
     */
    static MoveSpec reverse(
            Connection source, MoveSpec forward, Map<String, String> reverse, Map<String, String> copied)
            throws SQLException {
        java.util.Set<String> generated = new java.util.HashSet<>();
        try (PreparedStatement ps = source.prepareStatement("SELECT attname FROM pg_attribute WHERE attrelid ="
                + " ?::regclass AND attnum > 0 AND NOT attisdropped AND (attgenerated <> '' OR attidentity = 'a')")) {
            ps.setString(1, Sql.id(forward.sourceSchema(), forward.sourceTable()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    generated.add(rs.getString(1));
                }
            }
        }
        Map<String, String> columns = new LinkedHashMap<>();
        reverse.forEach((column, expression) -> {
            if (!generated.contains(column)) {
                columns.put(column, expression);
            }
        });
        copied.forEach((column, targetColumn) -> {
            if (!generated.contains(column) || forward.sourceKey().contains(column)) {
                columns.putIfAbsent(column, Sql.id(targetColumn));
            }
        });
        return new MoveSpec(
                forward.migrationId() + REVERSE,
                forward.targetSchema(),
                forward.targetTable(),
                forward.targetKey(),
                forward.sourceSchema(),
                forward.sourceTable(),
                columns,
                forward.sourceKey());
    }

    /** What a move's way back is named by, after the move's own name, in the target's outbox. */
    static final String REVERSE = ".reverse";

    /**
     * Copies every source row that exists now, in batches of {@code batchSize}, and returns how many it
     * wrote (a key the relay delivered first is not written). Capture must be in place first: a change
     * made after the copy read a row is captured, and the relay delivers it over the copied row; a key
     * the relay has already written (an update, or a delete's tombstone) is left as the relay wrote it.
     */
    public static long copy(DataSource source, DataSource target, MoveSpec m, int batchSize) throws SQLException {
        return copy(source, target, m, batchSize, 0, p -> {});
    }

    /**
     * As {@link #copy(DataSource, DataSource, MoveSpec, int)}, held to at most {@code maxRowsPerSecond}
     * (0: no limit; a throttled copy takes at most a second's rows per batch), reporting each batch to
     * {@code progress}. For a registered move the checkpoint (the last source key copied) is kept in
     * {@code tandem.moves} after each batch commits, and a copy that was stopped (a kill, a lost
     * connection) goes on from it; a batch copied again overwrites what it wrote before with the
     * source's current rows, and still leaves alone every key the relay has written. Returns the rows
     * written in all, across resumptions.
     *
     * @throws IllegalArgumentException if {@code batchSize} is not positive
     */
    public static long copy(
            DataSource source,
            DataSource target,
            MoveSpec m,
            int batchSize,
            long maxRowsPerSecond,
            java.util.function.Consumer<BackfillProgress> progress)
            throws SQLException {
        return new ExistingRowsCopy(m).run(source, target, batchSize, maxRowsPerSecond, progress);
    }

    /**
     * Takes a move down on both stores: capture, the move's outbox rows and dead letters and its
     * registration on the source; its applied versions and row types on the target ({@code target}
     * may be null when the store is not at hand). The target table's rows stay: they belong to the
     * target's owner. Idempotent.
     */
    public static void remove(DataSource source, DataSource target, MoveSpec m) throws SQLException {
        MoveSpec reverse;
        try (Connection c = source.getConnection()) {
            reverse = MoveRegistry.find(c, m.migrationId())
                    .map(MoveRegistry.Registered::reverse)
                    .orElse(null);
        }
        try (Connection c = source.getConnection();
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute(Capture.remove(m));
            s.execute(Guard.remove(m));
            if (reverse != null) {
                s.execute(appliedRemoval(reverse));
            }
            s.execute("DO $$ BEGIN IF to_regclass('tandem.outbox') IS NOT NULL THEN"
                    + " DELETE FROM tandem.outbox WHERE migration_id = " + Sql.literal(m.migrationId()) + ";"
                    + " DELETE FROM tandem.dead_letters WHERE migration_id = " + Sql.literal(m.migrationId()) + ";"
                    + " END IF; END $$");
            MoveRegistry.remove(c, m.migrationId());
            c.commit();
        }
        if (target != null) {
            try (Connection c = target.getConnection();
                    Statement s = c.createStatement()) {
                s.execute(appliedRemoval(m));
                if (reverse != null) {
                    s.execute(Capture.remove(reverse));
                    s.execute(Guard.remove(reverse));
                    s.execute("DO $$ BEGIN IF to_regclass('tandem.outbox') IS NOT NULL THEN"
                            + " DELETE FROM tandem.outbox WHERE migration_id = " + Sql.literal(reverse.migrationId())
                            + "; DELETE FROM tandem.dead_letters WHERE migration_id = "
                            + Sql.literal(reverse.migrationId()) + "; END IF; END $$");
                }
            }
        }
    }

    /** Removes what a store applying {@code m} keeps: its applied versions and its row and key types. */
    private static String appliedRemoval(MoveSpec m) {
        return "DO $$ BEGIN IF to_regclass('tandem.applied') IS NOT NULL THEN"
                + " DELETE FROM tandem.applied WHERE migration_id = " + Sql.literal(m.migrationId()) + ";"
                + " END IF; END $$;"
                + " DROP TYPE IF EXISTS " + TargetState.rowType(m) + ";"
                + " DROP TYPE IF EXISTS " + TargetState.keyType(m);
    }
}
