package dev.tandem.verify;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Verification within one store: both shapes live in the same row, written in the same transaction by
 * the sync triggers, so each row is compared with itself in one read (its new columns against their
 * {@code up} over its old columns), segment by segment over the store's pool. A row read this way
 * cannot be caught mid-write, so what differs is drift at once; no re-check is needed.
 */
final class ShapeScan {
    private final Pair pair;
    private final StorePool pool;
    private final Recheck compare;
    private final Consumer<Scan.Progress> progress;
    final AtomicLong rows = new AtomicLong();
    final ConcurrentLinkedQueue<Found> drift = new ConcurrentLinkedQueue<>();

    ShapeScan(Pair pair, StorePool pool, Recheck compare, Consumer<Scan.Progress> progress) {
        this.pair = pair;
        this.pool = pool;
        this.compare = compare;
        this.progress = progress;
    }

    void run() throws SQLException {
        List<List<String>> bounds = Segments.bounds(pair, pool, Scan.FINE_ROWS * 10);
        long estimated = (bounds.size() + 1) * Scan.FINE_ROWS * 10;
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i <= bounds.size(); i++) {
            Pair.Range r = new Pair.Range(i == 0 ? null : bounds.get(i - 1), i == bounds.size() ? null : bounds.get(i));
            all.add(pool.submit(c -> {
                segment(c, r);
                progress.accept(new Scan.Progress(pair.name(), rows.get(), estimated));
                return null;
            }));
        }
        Scan.join(CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)));
    }

    private void segment(Connection c, Pair.Range r) throws SQLException {
        String where = pair.where(pair.neu(), r);
        String values = pair.columns().stream()
                .map(col -> pair.old().value(col) + "::text, " + pair.neu().value(col) + "::text")
                .collect(java.util.stream.Collectors.joining(", "));
        String parts = pair.key().stream()
                .map(k -> pair.neu().value(k) + "::text")
                .collect(java.util.stream.Collectors.joining(", "));
        String sql = "SELECT " + pair.keyText(pair.neu()) + ", " + parts + ", " + values + " FROM "
                + pair.neu().table() + (where.isEmpty() ? " WHERE " : where + " AND ") + pair.row(pair.old())
                + " IS DISTINCT FROM " + pair.row(pair.neu());
        String count = "SELECT count(*) FROM " + pair.neu().table() + where;
        bindAndCount(c, count, r);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            Scan.bind(ps, r);
            try (ResultSet rs = ps.executeQuery()) {
                int k = pair.key().size();
                while (rs.next()) {
                    List<String> keyParts = new ArrayList<>();
                    for (int i = 0; i < k; i++) {
                        keyParts.add(rs.getString(2 + i));
                    }
                    List<String> old = new ArrayList<>();
                    List<String> neu = new ArrayList<>();
                    for (int i = 0; i < pair.columns().size(); i++) {
                        old.add(rs.getString(2 + k + 2 * i));
                        neu.add(rs.getString(3 + k + 2 * i));
                    }
                    Drift d = compare.compare(
                            new Suspect(rs.getString(1), keyParts, Drift.Kind.CHANGED), List.of(old), List.of(neu));
                    if (d != null) {
                        drift.add(new Found(pair, keyParts, d));
                    }
                }
            }
        }
    }

    private void bindAndCount(Connection c, String sql, Pair.Range r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            Scan.bind(ps, r);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                rows.addAndGet(rs.getLong(1));
            }
        }
    }
}
