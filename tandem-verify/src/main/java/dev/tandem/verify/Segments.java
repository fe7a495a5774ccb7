package dev.tandem.verify;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The bounds of a pair's fine ranges: its key at quantiles of a sample of the old side's rows, about
 * {@code rowsPerRange} rows apart, the same bounds for both sides. Gaps in the key and skew cost
 * nothing (the bounds follow the rows, not the key's range). A table too small to split, or whose key
 * on the old side is computed (so that no index serves a range), is one range.
 */
final class Segments {
    private static final Pattern PLAIN = Pattern.compile("\\(?\\s*(\"[^\"]+\"|[A-Za-z_][A-Za-z0-9_$]*)\\s*\\)?");

    /** Bounds at most this many: a sample this large sorts in well under a second. */
    private static final int MAX_BOUNDS = 20_000;

    private Segments() {}

    static List<List<String>> bounds(Pair pair, StorePool oldPool, long rowsPerRange) throws SQLException {
        for (Column k : pair.key()) {
            if (pair.old().castRange()
                    || !PLAIN.matcher(pair.old().expressions().get(k.name())).matches()) {
                return List.of();
            }
        }
        return Scan.join(oldPool.submit(c -> {
            long estimated = estimate(c, pair.old().table());
            long ranges = Math.min(MAX_BOUNDS, estimated / rowsPerRange);
            if (ranges < 2) {
                return List.of();
            }
            // About 20 sampled rows per range, in whole blocks (SYSTEM), at least 0.01% of the table.
            double percent = Math.clamp(100.0 * ranges * 20 / estimated, 0.01, 100.0);
            List<List<String>> sample = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(pair.sample(pair.old(), percent));
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    List<String> parts = new ArrayList<>();
                    for (int i = 1; i <= pair.key().size(); i++) {
                        parts.add(rs.getString(i));
                    }
                    sample.add(parts);
                }
            }
            List<List<String>> bounds = new ArrayList<>();
            for (long r = 1; r < ranges && !sample.isEmpty(); r++) {
                List<String> b = sample.get((int) (r * sample.size() / ranges));
                if (bounds.isEmpty() || !bounds.getLast().equals(b)) {
                    bounds.add(b);
                }
            }
            return bounds;
        }));
    }

    /** The planner's row count of a table, or an exact count when it has never been analysed. */
    private static long estimate(java.sql.Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT CASE WHEN reltuples >= 0 THEN reltuples::bigint END FROM pg_class WHERE oid = CAST(? AS regclass)")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long n = rs.getLong(1);
                if (!rs.wasNull()) {
                    return n;
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + table);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
