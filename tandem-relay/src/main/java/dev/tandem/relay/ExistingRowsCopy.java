package dev.tandem.relay;

import dev.tandem.postgres.BackfillProgress;
import dev.tandem.postgres.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * The copy of the rows a source table held before capture began, in ranges of the source key. Each
 * range is one transaction on the target that first takes the move's copy fence exclusively, then
 * writes the range's rows, streamed from the source with {@code COPY ... TO STDOUT}, for every key the
 * relay has not touched, and nothing else. It writes no {@code tandem.applied} row.
 *
 * <p>Why that is right, whichever of the copy and the relay reaches a key first. Each of the relay's
 * applies records its keys in {@code tandem.applied} while it holds the fence shared. The copy takes
 * the fence in a statement of its own, before it reads anything of the range from either store, so
 * what it then reads of {@code tandem.applied} holds every apply that committed before, no apply
 * commits until the range does, and the source rows it reads are at least as new as any change the
 * relay has applied (a change commits on the source before the relay can see it).
 * <ul>
 *   <li>A key the relay has touched (an update, or a delete that left a tombstone): the copy leaves
 *       it alone. A deleted row stays deleted; an updated one keeps the relay's values; a later change
 *       is in the outbox.
 *   <li>A key it has not: the copy writes the row it read. Capture was in place before the copy
 *       began, so any later change to the row is in the outbox, and the relay applies it once the
 *       range commits. Having no {@code tandem.applied} row from the copy, it wins.
 * </ul>
 * A range is written in one of two ways. Straight into the target table ({@code COPY ... FROM STDIN},
 * at the speed of a plain COPY), the source leaving out the keys the relay touched: all of them while
 * they are no more than a batch holds; beyond that, those among the range's mapped keys, read first in
 * the same REPEATABLE READ snapshot as its rows and looked up in {@code tandem.applied}. Leaving keys
 * out renders each row's mapped key on the source: once the relay has touched a key, the copy costs
 * about half again as much, and twice as much or more once it has touched more keys than a batch.
 * Should the target already hold one of the keys (a range copied again after a stop between its
 * commit and its checkpoint, or a row the target had before the move), that write fails whole, and
 * the range is staged in a temporary table instead and upserted ({@code ON CONFLICT ... DO UPDATE})
 * over the rows there, but for the keys the relay touched (an anti-join with {@code tandem.applied}).
 *
 * <p>The checkpoint (the last source key of the range) is kept in {@code tandem.moves} only after the
 * range commits, so a copy stopped at any instant goes on from it; a range copied twice takes the
 * source's current rows. The relay's applies wait while a range is written: a fraction of a second
 * for {@link Moves#COPY_BATCH} rows.
 *
 * <p>Rows travel as text, which the target column's input function reads as it reads captured rows,
 * unless every mapped expression has exactly its target column's type, and that type travels alike in
 * binary ({@link CopyFormat}). Both sessions run under {@link Outbox#CANONICAL_SESSION}, the settings
 * capture maps and renders rows under, so the copy maps and renders a row and its key as capture does.
 *
 * <p>Not thread-safe: one copy runs on one thread, with one connection to each store.
 */
final class ExistingRowsCopy {
    private static final String UNIQUE_VIOLATION = "23505";

    private final MoveSpec m;

    ExistingRowsCopy(MoveSpec m) {
        this.m = m;
    }

    /** See {@link Moves#copy(DataSource, DataSource, MoveSpec, int, long, Consumer)}. */
    long run(
            DataSource source,
            DataSource target,
            int batchSize,
            long maxRowsPerSecond,
            Consumer<BackfillProgress> progress)
            throws SQLException {
        if (batchSize < 1) {
            throw new IllegalArgumentException("the copy's batch size must be positive: " + batchSize);
        }
        // A throttled copy takes at most a second's rows at a time, so that it pauses often and briefly.
        int batch = maxRowsPerSecond > 0 ? (int) Math.min(batchSize, Math.max(1, maxRowsPerSecond)) : batchSize;
        String table = Sql.id(m.sourceSchema(), m.sourceTable());
        long began = System.nanoTime();
        try (Connection src = source.getConnection();
                Connection tgt = target.getConnection()) {
            CopySql sql = new CopySql(m, keyTypes(src), CopyFormat.binary(src, tgt, m));
            try (Statement s = src.createStatement()) {
                // Values are rendered under the settings capture uses; the bounds are written as literals.
                s.execute(Outbox.CANONICAL_SESSION + "; SET standard_conforming_strings = on");
            }
            MoveRegistry.Checkpoint checkpoint = MoveRegistry.checkpoint(src, m.migrationId());
            List<String> last = checkpoint.lastKey();
            long total = checkpoint.rows();
            long copiedHere = 0;
            long estimate = estimatedRows(src, table);
            tgt.setAutoCommit(false);
            while (true) {
                List<String> bound = bound(src, sql, last, batch);
                long rows = copyRange(src, tgt, sql, new CopySql.Range(last, bound), batch);
                total += rows;
                copiedHere += rows;
                if (bound != null) {
                    last = bound;
                    MoveRegistry.checkpoint(src, m.migrationId(), last, total);
                }
                double rate = copiedHere / Math.max(1e-3, (System.nanoTime() - began) / 1e9);
                if (bound == null) {
                    if (rows > 0) {
                        progress.accept(running(total, estimate, rate));
                    }
                    progress.accept(new BackfillProgress(
                            m.sourceTable(), total, total, rate, Duration.ZERO, BackfillProgress.State.DONE));
                    return total;
                }
                progress.accept(running(total, estimate, rate));
                throttle(began, copiedHere, maxRowsPerSecond);
            }
        }
    }

    private BackfillProgress running(long total, long estimate, double rate) {
        long remaining = Math.max(0, estimate - total);
        return new BackfillProgress(
                m.sourceTable(),
                total,
                Math.max(estimate, total),
                rate,
                Duration.ofMillis((long) (remaining / Math.max(rate, 1) * 1000)),
                BackfillProgress.State.RUNNING);
    }

    /** Sleeps after a batch as long as the run's average must wait to stay at or under the limit. */
    private static void throttle(long began, long copied, long maxRowsPerSecond) throws SQLException {
        if (maxRowsPerSecond <= 0) {
            return;
        }
        long due = (long) (copied * 1e9 / maxRowsPerSecond) - (System.nanoTime() - began);
        if (due > 0) {
            try {
                Thread.sleep(due / 1_000_000, (int) (due % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("the copy was interrupted", "57014", e);
            }
        }
    }

    /**
     * The key of the {@code batch}-th source row after {@code last} (the first row when null), as the
     * text of each key column; null when fewer rows remain, and the next range is the last.
     */
    private static List<String> bound(Connection src, CopySql sql, List<String> last, int batch) throws SQLException {
        try (PreparedStatement ps = src.prepareStatement(sql.bound(last == null))) {
            int p = 1;
            if (last != null) {
                for (String v : last) {
                    ps.setString(p++, v);
                }
            }
            ps.setInt(p, batch - 1);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                List<String> key = new ArrayList<>();
                for (int k = 1; k <= rs.getMetaData().getColumnCount(); k++) {
                    key.add(rs.getString(k));
                }
                return key;
            }
        }
    }

    /** Copies a range in one target transaction; returns the rows written. */
    private long copyRange(Connection src, Connection tgt, CopySql sql, CopySql.Range r, int batch)
            throws SQLException {
        try {
            try (Statement s = tgt.createStatement()) {
                // Nothing the copy writes is captured again, should the target table be a source too.
                s.execute(
                        "SET LOCAL tandem.origin = 'relay'; " + Outbox.CANONICAL_SESSION.replace("SET ", "SET LOCAL "));
                // Its own statement: every statement after it sees each apply that committed before it
                // was granted, and no apply can commit until this transaction ends.
                s.execute("SELECT pg_advisory_xact_lock(" + Apply.copyFence(m) + ")");
            }
            Savepoint straight = tgt.setSavepoint();
            long rows;
            try {
                rows = straight(src, tgt, sql, r, batch);
            } catch (SQLException e) {
                if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    throw e;
                }
                tgt.rollback(straight);
                rows = staged(src, tgt, sql, r);
            }
            tgt.commit();
            return rows;
        } catch (SQLException | RuntimeException e) {
            try {
                tgt.rollback();
            } catch (SQLException lost) {
                e.addSuppressed(lost);
            }
            throw e;
        }
    }

    /**
     * The range's rows straight into the target table, but for the keys the relay touched; returns
     * the rows written. When the relay has touched no more keys than a batch holds, the source leaves
     * out all of them (a key outside the range costs a lookup, no more); otherwise the range's own keys
     * are read and looked up, in the snapshot its rows are then read in, so that no row goes unchecked.
     */
    private static long straight(Connection src, Connection tgt, CopySql sql, CopySql.Range r, int batch)
            throws SQLException {
        List<String> touched = new ArrayList<>();
        try (PreparedStatement ps = tgt.prepareStatement(sql.touchedUpTo())) {
            ps.setInt(1, batch + 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    touched.add(rs.getString(1));
                }
            }
        }
        if (touched.size() <= batch) {
            return CopyStream.pipe(src, sql.read(r, touched, false), tgt, sql.writeTarget());
        }
        src.setAutoCommit(false);
        try {
            try (Statement s = src.createStatement()) {
                s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            }
            List<String> keys = new ArrayList<>();
            try (Statement s = src.createStatement();
                    ResultSet rs = s.executeQuery(sql.keysIn(r))) {
                while (rs.next()) {
                    keys.add(rs.getString(1));
                }
            }
            List<String> skip = new ArrayList<>();
            try (PreparedStatement ps = tgt.prepareStatement(sql.touched())) {
                ps.setArray(1, tgt.createArrayOf("text", keys.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        skip.add(rs.getString(1));
                    }
                }
            }
            long rows = CopyStream.pipe(src, sql.read(r, skip, false), tgt, sql.writeTarget());
            src.commit();
            return rows;
        } finally {
            // a rollback after the commit is a no-op; after a failure it ends the snapshot
            src.rollback();
            src.setAutoCommit(true);
        }
    }

    /**
     * The range staged on the target, then upserted over the target's rows, but for the keys the relay
     * touched; returns the rows written.
     */
    private static long staged(Connection src, Connection tgt, CopySql sql, CopySql.Range r) throws SQLException {
        try (Statement s = tgt.createStatement()) {
            s.execute(sql.createStage());
        }
        CopyStream.pipe(src, sql.read(r, List.of(), true), tgt, sql.writeStage());
        try (Statement s = tgt.createStatement()) {
            return s.executeUpdate(sql.insertStaged());
        }
    }

    private static long estimatedRows(Connection c, String table) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = ?::regclass")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private List<String> keyTypes(Connection src) throws SQLException {
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
}
