package dev.tandem.relay;

import dev.tandem.postgres.BackfillProgress;
import dev.tandem.postgres.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
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
     * name of its target store, in the same transaction as capture.
     */
    public static void prepare(DataSource source, DataSource target, MoveSpec m, String store) throws SQLException {
        try (Connection c = source.getConnection()) {
            Outbox.install(c);
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute(Capture.install(m));
                if (store != null) {
                    MoveRegistry.register(c, m, store);
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
        try (Connection c = target.getConnection()) {
            TargetState.install(c, m);
        }
    }

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
        try (Connection c = source.getConnection();
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute(Capture.remove(m));
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
                s.execute("DO $$ BEGIN IF to_regclass('tandem.applied') IS NOT NULL THEN"
                        + " DELETE FROM tandem.applied WHERE migration_id = " + Sql.literal(m.migrationId()) + ";"
                        + " END IF; END $$;"
                        + " DROP TYPE IF EXISTS " + TargetState.rowType(m) + ";"
                        + " DROP TYPE IF EXISTS " + TargetState.keyType(m));
            }
        }
    }
}
