package dev.tandem.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;

/**
 * Batches over a row key (the primary key, or a unique key over NOT NULL columns), up to the highest
 * key that existed at start. A row inserted since has its new columns from the sync triggers; a row
 * whose key an UPDATE changed has them from {@link BackfillOnUpdate}; every other row keeps the key it
 * had, so the walk reaches it. The key is unique and NOT NULL, so ranges split no key and miss no row.
 */
final class BackfillKeyRanges implements BackfillRanges {
    private final Connection c;
    private final Recipe.BackfillSpec spec;
    private final String[] high;
    private final String nextKeySql;
    private final String firstKeySql;
    private final String firstKeyAfterSql;
    private final String countSql;

    BackfillKeyRanges(Connection c, Recipe.BackfillSpec spec, String[] high) {
        this.c = c;
        this.spec = spec;
        this.high = high;
        String table = Sql.id(spec.schema(), spec.table());
        String keyList = BackfillSql.keyList(spec);
        String params = BackfillSql.params(spec);
        String keys = BackfillSql.keyArray(spec);
        // Every key query stays at or below the high key, compared by the key columns' own
        // collations, exactly as the ORDER BY and the batch UPDATE compare them.
        String upToHigh = " AND " + keyList + " <= " + params;
        String order = BackfillSql.orderByKey(spec);
        // The key `batch` rows on from the batch's first key, which counts as the first of them.
        this.nextKeySql = "SELECT " + keys + " FROM " + table + " WHERE " + keyList + " >= " + params + upToHigh + order
                + " OFFSET ? LIMIT 1";
        this.firstKeySql =
                "SELECT " + keys + " FROM " + table + " WHERE " + keyList + " <= " + params + order + " LIMIT 1";
        this.firstKeyAfterSql = "SELECT " + keys + " FROM " + table + " WHERE " + keyList + " > " + params + upToHigh
                + order + " LIMIT 1";
        this.countSql = "SELECT count(*) FROM " + table + " WHERE " + keyList + " >= " + params + " AND " + keyList
                + " <= " + params;
    }

    @Override
    public Range next(String[] last, int rows, int cap) throws SQLException {
        int size = Math.max(1, Math.min(rows, cap));
        // The first key of this batch, then the key `size` rows further on (or the high key).
        String[] from = last == null ? queryKey(firstKeySql, -1, high) : queryKey(firstKeyAfterSql, -1, last, high);
        if (from == null) {
            return null;
        }
        String[] to = queryKey(nextKeySql, size - 1, from, high);
        long count = size;
        boolean finished = to == null || Arrays.equals(to, high);
        if (to == null) {
            to = high;
            count = count(from, to);
        }
        return new Range(from, to, count, count, finished, to);
    }

    @Override
    public boolean stillValid() {
        return true;
    }

    @Override
    public String[] high() {
        return high;
    }

    private String[] queryKey(String sql, int offset, String[]... keys) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int next = 1;
            for (String[] key : keys) {
                next = BackfillSql.bind(ps, next, spec, key);
            }
            if (offset >= 0) {
                ps.setInt(next, offset);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Backfill.strings(rs.getArray(1)) : null;
            }
        }
    }

    private long count(String[] from, String[] to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(countSql)) {
            BackfillSql.bind(ps, BackfillSql.bind(ps, 1, spec, from), spec, to);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
