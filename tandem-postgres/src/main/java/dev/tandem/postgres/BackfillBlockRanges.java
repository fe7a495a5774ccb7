package dev.tandem.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Batches over ctid, for a table with no row key: block ranges {@code ctid >= '(b,0)' AND ctid <=
 * '(e,65535)'}, read by TID range scans (PostgreSQL 14 and later), up to the number of blocks the
 * table had once {@link BackfillOnUpdate} was armed. The checkpoint is the tid where the next batch
 * begins: {@code (b,0)}, or a tuple within a block when a row limit allows fewer rows than one block
 * holds.
 *
 * <p>Why no row is missed, with writers running. A row that still needs the backfill is one no INSERT
 * or UPDATE has written since the on-update trigger was armed (any such write fills it: the sync
 * triggers on INSERT, that trigger on UPDATE). Such a row keeps its tid: only an UPDATE gives a row
 * a new one (pruning and plain VACUUM move no live tuple's line pointer), and it lies below the high
 * block, measured after the trigger was armed. So a walk over every block below the high block, each
 * range in the transaction that records it, reaches it. A rewrite of the table (VACUUM FULL, CLUSTER,
 * pg_repack, TRUNCATE, SET ACCESS METHOD) does move such rows: it gives the table, or a partition, a
 * new relfilenode, which each batch checks under its own lock, after its UPDATE; on a change the walk
 * starts again from block 0 up to the table's new size (rows already done cost only a read).
 *
 * <p>{@code rows_done} is the rows the table had at start in proportion to the blocks walked, so it
 * reaches {@code rows_total} exactly at the end.
 *
 * <p>A partitioned table is walked through its parent: each range covers those blocks of every
 * partition, up to the largest partition's size.
 */
final class BackfillBlockRanges implements BackfillRanges {
    /** The largest offset a tid may have: the end of a block, included. */
    private static final int LAST_OFFSET = 65_535;

    /** The table and, when it is partitioned, its leaves (a plain table is in no partition tree). */
    private static final String SIZE = """
            SELECT coalesce(max(pg_relation_size(r.relid) / current_setting('block_size')::bigint), 0),
                   coalesce(string_agg(r.relid::oid || ':' || pg_relation_filenode(r.relid), ',' ORDER BY r.relid), '')
            FROM (SELECT relid FROM pg_partition_tree(CAST(? AS regclass)) WHERE isleaf
                  UNION SELECT CAST(? AS regclass)) r (relid)""";

    private final Connection c;
    private final String table;
    private final String countSql;
    private final String nthSql;
    private long highBlocks;
    private String files;
    /** Live rows per block, as the last batch found them; sizes the next one. */
    private double density;

    private long lastBlocks = Long.MAX_VALUE;

    private final long rowsTotal;

    BackfillBlockRanges(Connection c, Recipe.BackfillSpec spec, String[] high, long rowsTotal) {
        this.c = c;
        this.table = Sql.id(spec.schema(), spec.table());
        this.highBlocks = Long.parseLong(high[0]);
        this.files = high[1];
        this.rowsTotal = rowsTotal;
        this.density = Math.max(1.0, (double) rowsTotal / Math.max(1, highBlocks));
        this.countSql = "SELECT count(*) FROM " + table + " WHERE ctid >= CAST(? AS tid) AND ctid < CAST(? AS tid)";
        // Named apart from ctid: ORDER BY ctid would otherwise sort by the text of the output column.
        this.nthSql = "SELECT ctid::text AS at FROM " + table
                + " WHERE ctid >= CAST(? AS tid) AND ctid < CAST(? AS tid) ORDER BY ctid OFFSET ? LIMIT 1";
    }

    /**
     * The table's size in blocks and the relfilenode of each of its leaves, as {@code
     * tandem.backfill.high_key} records them; null for a table without a block.
     */
    static String[] measure(Connection c, String qualifiedTable) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SIZE)) {
            ps.setString(1, qualifiedTable);
            ps.setString(2, qualifiedTable);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long blocks = rs.getLong(1);
                return blocks == 0 ? null : new String[] {String.valueOf(blocks), rs.getString(2)};
            }
        }
    }

    /** A tuple identifier. */
    private record Tid(long block, int offset) {
        static Tid parse(String text) {
            String[] parts = text.substring(1, text.length() - 1).split(",");
            return new Tid(Long.parseLong(parts[0]), Integer.parseInt(parts[1]));
        }

        @Override
        public String toString() {
            return "(" + block + "," + offset + ")";
        }

        /** The last tid before this one, for ranges that include both ends. */
        Tid previous() {
            return offset > 0 ? new Tid(block, offset - 1) : new Tid(block - 1, LAST_OFFSET);
        }
    }

    @Override
    public Range next(String[] last, int rows, int cap) throws SQLException {
        Tid start = last == null ? new Tid(0, 0) : Tid.parse(last[0]);
        if (start.block() >= highBlocks) {
            return null;
        }
        // Whole blocks, as many as hold about `rows` rows, growing at most twofold after a sparse batch.
        long blocks = Math.max(
                1,
                Math.min(Math.round(rows / density), lastBlocks == Long.MAX_VALUE ? Long.MAX_VALUE : 2 * lastBlocks));
        Tid end = new Tid(Math.min(highBlocks, start.block() + blocks), 0);
        long count = count(start, end);
        // A row limit caps a batch; so does the table's end: halve until it fits, then cut one block.
        while (count > cap) {
            long span = end.block() - start.block();
            if (span > 1) {
                end = new Tid(start.block() + span / 2, 0);
                count = count(start, end);
            } else {
                String nth = nth(start, end, cap);
                if (nth != null) {
                    end = Tid.parse(nth);
                    count = cap;
                }
                break;
            }
        }
        long spanned = Math.max(1, end.block() - start.block());
        lastBlocks = spanned;
        density = Math.max(1.0 / spanned, (double) count / spanned);
        return new Range(
                new String[] {start.toString()},
                new String[] {end.previous().toString()},
                count,
                walked(end) - walked(start),
                end.block() >= highBlocks,
                new String[] {end.toString()});
    }

    /**
     * How many rows the walk has done once it reaches {@code at}: the rows the table had at start, in
     * proportion to the whole blocks behind it. Rows are not counted one by one: a batch's own UPDATE
     * may write a row again further on, where a count would see it twice.
     */
    private long walked(Tid at) {
        return highBlocks == 0 ? rowsTotal : rowsTotal * Math.min(at.block(), highBlocks) / highBlocks;
    }

    @Override
    public boolean stillValid() throws SQLException {
        String[] now = measure(c, table);
        String nowFiles = now == null ? "" : now[1];
        if (nowFiles.equals(files)) {
            return true;
        }
        highBlocks = now == null ? 0 : Long.parseLong(now[0]);
        files = nowFiles;
        lastBlocks = Long.MAX_VALUE;
        return false;
    }

    @Override
    public String[] high() {
        return new String[] {String.valueOf(highBlocks), files};
    }

    private long count(Tid from, Tid to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(countSql)) {
            ps.setString(1, from.toString());
            ps.setString(2, to.toString());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The tid of the row {@code n} rows on from {@code from} (counting from 0), below {@code to}; or null. */
    private String nth(Tid from, Tid to, int n) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(nthSql)) {
            ps.setString(1, from.toString());
            ps.setString(2, to.toString());
            ps.setInt(3, n);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
