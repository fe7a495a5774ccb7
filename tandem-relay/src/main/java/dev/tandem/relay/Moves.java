package dev.tandem.relay;

import dev.tandem.postgres.BackfillProgress;
import dev.tandem.postgres.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Setting a move up and taking it down on both stores, and copying the rows that existed before
 * capture began. The copy reads the source in key order, in batches, and applies each batch through
 * the same guarded apply as the relay, with version 0: lower than any captured change, so a row the
 * copy read before a live update or delete never overwrites it, whichever reaches the target first.
 */
public final class Moves {
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
     * read. Capture must be in place first: a change made after this copy's snapshot of a batch is
     * captured and delivered by the relay, and the versions sort out which is newer.
     */
    public static long copy(DataSource source, DataSource target, MoveSpec m, int batchSize) throws SQLException {
        return copy(source, target, m, batchSize, 0, p -> {});
    }

    /**
     * As {@link #copy(DataSource, DataSource, MoveSpec, int)}, held to at most {@code maxRowsPerSecond}
     * (0: no limit), reporting each batch to {@code progress}. For a registered move the checkpoint (the
     * last key copied) is kept in {@code tandem.moves} after each batch, and a copy that was stopped (a
     * kill, a lost connection) goes on from it; a batch copied again is a no-op (same version). Returns
     * the rows copied in all, across resumptions.
     */
    public static long copy(
            DataSource source,
            DataSource target,
            MoveSpec m,
            int batchSize,
            long maxRowsPerSecond,
            java.util.function.Consumer<BackfillProgress> progress)
            throws SQLException {
        Apply apply = new Apply(m);
        String table = Sql.id(m.sourceSchema(), m.sourceTable());
        String keys = Sql.ids(m.sourceKey());
        long began = System.nanoTime();
        try (Connection src = source.getConnection();
                Connection tgt = target.getConnection()) {
            List<String> types = keyTypes(src, m);
            try (Statement s = src.createStatement()) {
                // Values are written as text under the settings capture uses, and read back under them.
                s.execute(Outbox.CANONICAL_SESSION);
            }
            MoveRegistry.Checkpoint checkpoint = MoveRegistry.checkpoint(src, m.migrationId());
            List<String> last = checkpoint.lastKey();
            long total = checkpoint.rows();
            long copiedHere = 0;
            long estimate = estimatedRows(src, table);
            String after = "(" + keys + ") > ("
                    + String.join(", ", types.stream().map(t -> "?::" + t).toList()) + ")";
            tgt.setAutoCommit(false);
            while (true) {
                String select = "SELECT " + Capture.mappedRow(m) + ", " + Capture.mappedKey(m) + ", "
                        + String.join(
                                ", ",
                                // named apart: ORDER BY a bare name would pick the text output column
                                m.sourceKey().stream()
                                        .map(k -> Sql.id(k) + "::text AS " + Sql.id("_tandem_last_" + k))
                                        .toList())
                        + " FROM " + table + " AS _tandem_src" + (last == null ? "" : " WHERE " + after)
                        + " ORDER BY " + keys + " LIMIT ?";
                List<Change> batch = new ArrayList<>();
                List<String> lastOfBatch = null;
                try (PreparedStatement ps = src.prepareStatement(select)) {
                    int p = 1;
                    if (last != null) {
                        for (String v : last) {
                            ps.setString(p++, v);
                        }
                    }
                    ps.setInt(p, batchSize);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            batch.add(new Change(0, rs.getString(2), false, rs.getString(1), 0));
                            lastOfBatch = new ArrayList<>();
                            for (int k = 0; k < m.sourceKey().size(); k++) {
                                lastOfBatch.add(rs.getString(3 + k));
                            }
                        }
                    }
                }
                double seconds = Math.max(1e-3, (System.nanoTime() - began) / 1e9);
                if (batch.isEmpty()) {
                    progress.accept(new BackfillProgress(
                            m.sourceTable(),
                            total,
                            total,
                            copiedHere / seconds,
                            Duration.ZERO,
                            BackfillProgress.State.DONE));
                    return total;
                }
                try (Statement s = tgt.createStatement()) {
                    s.execute("SET LOCAL tandem.origin = 'relay'; "
                            + Outbox.CANONICAL_SESSION.replace("SET ", "SET LOCAL "));
                }
                apply.apply(tgt, batch);
                tgt.commit();
                total += batch.size();
                copiedHere += batch.size();
                last = lastOfBatch;
                MoveRegistry.checkpoint(src, m.migrationId(), last, total);
                double rate = copiedHere / Math.max(1e-3, (System.nanoTime() - began) / 1e9);
                long remaining = Math.max(0, estimate - total);
                progress.accept(new BackfillProgress(
                        m.sourceTable(),
                        total,
                        Math.max(estimate, total),
                        rate,
                        Duration.ofMillis((long) (remaining / Math.max(rate, 1) * 1000)),
                        BackfillProgress.State.RUNNING));
                if (maxRowsPerSecond > 0) {
                    // Paid for after the batch: the run's average stays at or under the limit.
                    long due = (long) (copiedHere * 1e9 / maxRowsPerSecond) - (System.nanoTime() - began);
                    if (due > 0) {
                        try {
                            Thread.sleep(due / 1_000_000, (int) (due % 1_000_000));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new SQLException("the copy was interrupted", "57014", e);
                        }
                    }
                }
            }
        }
    }

    private static long estimatedRows(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT greatest(reltuples, 0)::bigint FROM pg_class" + " WHERE oid = ?::regclass")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private static List<String> keyTypes(Connection src, MoveSpec m) throws SQLException {
        List<String> types = new ArrayList<>();
        for (String k : m.sourceKey()) {
            try (PreparedStatement ps = src.prepareStatement("SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                    + " WHERE attrelid = ?::regclass AND attname = ? AND NOT attisdropped")) {
                ps.setString(1, Sql.id(m.sourceSchema(), m.sourceTable()));
                ps.setString(2, k);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new SQLException("column " + k + " of " + m.sourceTable() + " does not exist", "42703");
                    }
                    types.add(rs.getString(1));
                }
            }
        }
        return types;
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
