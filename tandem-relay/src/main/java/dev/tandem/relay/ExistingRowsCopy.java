package dev.tandem.relay;

import dev.tandem.postgres.BackfillProgress;
import dev.tandem.postgres.Sql;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;
import org.postgresql.copy.PGCopyOutputStream;

/**
 * The copy of the rows a source table held before capture began, in key ranges. For each range the
 * source streams its rows, mapped, as text ({@code COPY ... TO STDOUT}) into a temporary table on the
 * target ({@code COPY ... FROM STDIN}); then, holding the move's copy fence exclusively, one statement
 * writes to the target table every row whose key the relay has not touched, and nothing else.
 *
 * <p>Why that is right, whichever of the copy and the relay reaches a key first. Capture is in place
 * before the copy begins, so every change to a row after the copy read it is in the outbox. Each of
 * the relay's applies records the key in {@code tandem.applied} while it holds the fence shared; a
 * copy batch takes the fence exclusively, in a statement of its own, after the rows are in the
 * temporary table and before it reads {@code tandem.applied}. Its insert therefore sees every apply
 * that committed before it, and no apply commits while it writes.
 * <ul>
 *   <li>The relay reached the key first (an update, or a delete that left a tombstone): the relay
 *       holds a change at least as new as what the copy read, so the copy skips the key. A deleted row
 *       stays deleted; an updated one keeps the relay's values.
 *   <li>The copy reached it first: it writes the row it read, and any later change is still in the
 *       outbox and overwrites it when the relay applies it. The copy writes no {@code tandem.applied}
 *       row, so it never hides a change from the relay.
 * </ul>
 * A batch is one target transaction, and the checkpoint (the last source key of the range) is kept in
 * {@code tandem.moves} only after it commits. A copy stopped at any instant goes on from the
 * checkpoint, and a range copied twice is copied again from the current source rows, over the rows
 * already there ({@code ON CONFLICT ... DO UPDATE}), still skipping what the relay touched.
 *
 * <p>Text, not binary, COPY: a mapped expression's type may differ from the target column's, and text
 * is what the target column's input function reads, exactly as it reads captured rows. Both sessions
 * run under {@link Outbox#CANONICAL_SESSION}, the settings capture maps and writes rows under, so the
 * copy renders a row and its key as capture does.
 *
 * <p>Not thread-safe: one copy runs on one thread, with one connection to each store.
 */
final class ExistingRowsCopy {
    /** The temporary table a batch's rows land in on the target; it lives for the batch's transaction. */
    private static final String STAGE = "pg_temp." + Sql.id("_tandem_copy");

    /** The stage's column for the mapped key, as capture renders it; named apart from the mapped columns. */
    private final String keyColumn;

    private final MoveSpec m;
    private final String table;
    private final String keys;

    ExistingRowsCopy(MoveSpec m) {
        this.m = m;
        this.table = Sql.id(m.sourceSchema(), m.sourceTable());
        // qualified, so ORDER BY names the source's key even where a mapped column is named like it
        this.keys = m.sourceKey().stream().map(k -> "_tandem_src." + Sql.id(k)).collect(Collectors.joining(", "));
        String key = "_tandem_key";
        while (m.columns().containsKey(key)) {
            key = "_" + key;
        }
        this.keyColumn = Sql.id(key);
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
        long began = System.nanoTime();
        try (Connection src = source.getConnection();
                Connection tgt = target.getConnection()) {
            List<String> types = keyTypes(src);
            try (Statement s = src.createStatement()) {
                // Values are rendered under the settings capture uses; the bounds are written as literals.
                s.execute(Outbox.CANONICAL_SESSION + "; SET standard_conforming_strings = on");
            }
            MoveRegistry.Checkpoint checkpoint = MoveRegistry.checkpoint(src, m.migrationId());
            List<String> last = checkpoint.lastKey();
            long total = checkpoint.rows();
            long copiedHere = 0;
            long estimate = estimatedRows(src);
            tgt.setAutoCommit(false);
            while (true) {
                List<String> bound = bound(src, types, last, batch);
                long rows = copyRange(src, tgt, types, last, bound);
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
     * text of each key column; null when fewer rows remain, and the next range is the last. An index
     * scan that reads no row it does not count.
     */
    private List<String> bound(Connection src, List<String> types, List<String> last, int batch) throws SQLException {
        String sql = "SELECT "
                + m.sourceKey().stream()
                        .map(k -> "_tandem_src." + Sql.id(k) + "::text")
                        .collect(Collectors.joining(", "))
                + " FROM " + table + " AS _tandem_src"
                + (last == null
                        ? ""
                        : " WHERE (" + keys + ") > ("
                                + types.stream().map(t -> "?::" + t).collect(Collectors.joining(", ")) + ")")
                + " ORDER BY " + keys + " OFFSET ? LIMIT 1";
        try (PreparedStatement ps = src.prepareStatement(sql)) {
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
                for (int k = 1; k <= types.size(); k++) {
                    key.add(rs.getString(k));
                }
                return key;
            }
        }
    }

    /**
     * Copies the source rows with keys in {@code (last, bound]} (either end open when null) in one
     * target transaction, and returns how many the source sent.
     */
    private long copyRange(Connection src, Connection tgt, List<String> types, List<String> last, List<String> bound)
            throws SQLException {
        List<String> where = new ArrayList<>();
        if (last != null) {
            where.add("(" + keys + ") > (" + keyLiteral(types, last) + ")");
        }
        if (bound != null) {
            where.add("(" + keys + ") <= (" + keyLiteral(types, bound) + ")");
        }
        String read = "COPY (SELECT "
                + m.columns().values().stream().map(e -> "(" + e + ")").collect(Collectors.joining(", "))
                + ", " + Capture.mappedKey(m) + " FROM " + table + " AS _tandem_src"
                + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + " ORDER BY " + keys + ") TO STDOUT";
        try {
            try (Statement s = tgt.createStatement()) {
                s.execute("SET LOCAL tandem.origin = 'relay'; "
                        + Outbox.CANONICAL_SESSION.replace("SET ", "SET LOCAL ") + "; "
                        + "CREATE TEMP TABLE " + STAGE + " (LIKE " + TargetState.rowType(m) + ", " + keyColumn
                        + " text) ON COMMIT DROP");
            }
            long rows = pipe(src, tgt, read, "COPY " + STAGE + " FROM STDIN");
            try (Statement s = tgt.createStatement()) {
                // Its own statement: the insert below starts after the lock is held, so it sees every
                // apply that committed before, and none can commit until this transaction ends.
                s.execute("SELECT pg_advisory_xact_lock(" + Apply.copyFence(m) + ")");
                s.execute(insert());
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

    /** Streams the rows of {@code read} on the source into {@code write} on the target; returns the rows. */
    private static long pipe(Connection src, Connection tgt, String read, String write) throws SQLException {
        CopyOut out = src.unwrap(PGConnection.class).getCopyAPI().copyOut(read);
        CopyIn in = null;
        try {
            in = tgt.unwrap(PGConnection.class).getCopyAPI().copyIn(write);
            // The source sends a message per row; the target gets them in 64 kB messages.
            PGCopyOutputStream sink = new PGCopyOutputStream(in, 65_536);
            byte[] row;
            while ((row = out.readFromCopy()) != null) {
                sink.write(row);
            }
            sink.endCopy();
            return out.getHandledRowCount();
        } catch (IOException e) {
            throw new SQLException("the copy's stream to the target failed: " + e.getMessage(), "08006", e);
        } finally {
            // Either side failing leaves the other mid-COPY; end it so its connection is usable again.
            if (out.isActive()) {
                out.cancelCopy();
            }
            if (in != null && in.isActive()) {
                in.cancelCopy();
            }
        }
    }

    /** Writes the staged rows whose keys the relay has not touched; the caller holds the copy fence. */
    private String insert() {
        List<String> columns = List.copyOf(m.columns().keySet());
        String updates = columns.stream()
                .filter(c -> !m.targetKey().contains(c))
                .map(c -> Sql.id(c) + " = EXCLUDED." + Sql.id(c))
                .collect(Collectors.joining(", "));
        return """
                INSERT INTO %1$s (%2$s)
                SELECT %3$s FROM %4$s AS s
                WHERE NOT EXISTS (
                  SELECT 1 FROM tandem.applied a WHERE a.migration_id = %5$s AND a.key = s.%6$s
                )
                ON CONFLICT (%7$s) DO %8$s
                """.formatted(
                        Sql.id(m.targetSchema(), m.targetTable()),
                        Sql.ids(columns),
                        columns.stream().map(c -> "s." + Sql.id(c)).collect(Collectors.joining(", ")),
                        STAGE,
                        Sql.literal(m.migrationId()),
                        keyColumn,
                        Sql.ids(m.targetKey()),
                        updates.isEmpty() ? "NOTHING" : "UPDATE SET " + updates);
    }

    /** A key as literals of the source key columns' types, so it compares in the source's own order. */
    private static String keyLiteral(List<String> types, List<String> key) {
        return IntStream.range(0, types.size())
                .mapToObj(i -> Sql.literal(key.get(i)) + "::" + types.get(i))
                .collect(Collectors.joining(", "));
    }

    private long estimatedRows(Connection c) throws SQLException {
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
                ps.setString(1, table);
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
