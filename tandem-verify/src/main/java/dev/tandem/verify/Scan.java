package dev.tandem.verify;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One pass over a pair: segments cut at the old side's key quantiles, the same bounds on both sides,
 * each fingerprinted on both at once, a few segments at a time over each store's pool; a segment whose
 * fingerprints differ is split into its fine ranges, and a fine range that differs is streamed as
 * (key, hash) from both sides and merge-joined. What differs is a suspect, not yet drift.
 */
final class Scan {
    /** Rows per fine range: the smallest unit a differing segment is split into and streamed. */
    static final long FINE_ROWS = 10_000;

    private final Pair pair;
    private final StorePool oldPool;
    private final StorePool newPool;
    private final int parallelism;
    private final long targetNanos;
    private final Consumer<Progress> progress;

    private final Comparator<Keyed> order;
    final AtomicLong rows = new AtomicLong();
    final AtomicLong streamedRows = new AtomicLong();
    final AtomicLong streamNanos = new AtomicLong();
    final AtomicInteger segments = new AtomicInteger();
    /** Ranges whose fingerprints differed while their streams showed no differing key. */
    final AtomicInteger unexplained = new AtomicInteger();

    final ConcurrentLinkedQueue<Suspect> suspects = new ConcurrentLinkedQueue<>();

    /** How far a pass is: rows fingerprinted of about how many. */
    record Progress(String table, long rows, long estimated) {}

    /** Rows per second the pass keeps under (both sides' fingerprints count a row once); 0: no limit. */
    long maxRowsPerSecond;

    Scan(
            Pair pair,
            StorePool oldPool,
            StorePool newPool,
            int parallelism,
            long targetNanos,
            Consumer<Progress> progress) {
        this.pair = pair;
        this.oldPool = oldPool;
        this.newPool = newPool;
        this.parallelism = parallelism;
        this.targetNanos = targetNanos;
        this.progress = progress;
        this.order = order(pair);
    }

    /** A segment's fingerprint on one side. */
    record Fingerprint(long count, long sum1, long sum2) {
        static final Fingerprint NONE = new Fingerprint(0, 0, 0);
    }

    /** One row of a (key, hash) stream. */
    record Keyed(String key, long hash, List<String> parts) {}

    void run() throws SQLException {
        List<List<String>> bounds = Segments.bounds(pair, oldPool, FINE_ROWS);
        long estimated = Math.max(1, (bounds.size() + 1) * FINE_ROWS);
        List<Pair.Range> fine = new ArrayList<>();
        for (int i = 0; i <= bounds.size(); i++) {
            fine.add(new Pair.Range(i == 0 ? null : bounds.get(i - 1), i == bounds.size() ? null : bounds.get(i)));
        }
        if (pair.key().size() == 1 && !bounds.isEmpty() && maxRowsPerSecond == 0) {
            grouped(bounds, fine, estimated);
            return;
        }
        Semaphore inFlight = new Semaphore(parallelism);
        AtomicInteger span = new AtomicInteger(4);
        List<CompletableFuture<Void>> running = new ArrayList<>();
        int next = 0;
        long began0 = System.nanoTime();
        while (next < fine.size()) {
            int width = Math.min(span.get(), fine.size() - next);
            List<Pair.Range> parts = fine.subList(next, next + width);
            Pair.Range segment =
                    new Pair.Range(parts.getFirst().from(), parts.getLast().to());
            next += width;
            acquire(inFlight);
            throttle(began0);
            long began = System.nanoTime();
            CompletableFuture<Void> done = fingerprints(segment)
                    .thenCompose(fp -> {
                        long took = System.nanoTime() - began;
                        // Toward the target time per segment, by halves and doublings at most.
                        span.updateAndGet(s -> (int) Math.clamp(
                                Math.round(s * Math.clamp((double) targetNanos / Math.max(took, 1), 0.5, 2.0)),
                                1,
                                256));
                        segments.incrementAndGet();
                        rows.addAndGet(Math.max(fp[0].count(), fp[1].count()));
                        progress.accept(new Progress(pair.name(), rows.get(), estimated));
                        if (fp[0].equals(fp[1])) {
                            return CompletableFuture.completedFuture(null);
                        }
                        return drill(parts);
                    })
                    .whenComplete((v, e) -> inFlight.release());
            running.add(done);
        }
        join(CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)));
    }

    /** Fine ranges streamed as one, at most, when several next to each other differ. */
    static final int STREAM_RANGES = 10;

    /**
     * A single-column key's pass: each store scans its table once, both stores at once, and returns
     * every fine range's fingerprint at once, grouped by range, so the tables are
     * read in order as a whole-table hash reads them; the ranges that differ are then streamed, runs of
     * neighbours together.
     */
    private void grouped(List<List<String>> bounds, List<Pair.Range> fine, long estimated) throws SQLException {
        // One scan per store: a chunk of a key range would be read by a scan of the whole table anyway
        // whenever the planner finds the range too wide for the index, once per chunk.
        int chunks = 1;
        List<CompletableFuture<List<Integer>>> each = new ArrayList<>();
        for (int c = 0; c < chunks; c++) {
            int first = c * fine.size() / chunks;
            int last = (c + 1) * fine.size() / chunks - 1;
            Pair.Range r = new Pair.Range(fine.get(first).from(), fine.get(last).to());
            CompletableFuture<Map<Integer, Fingerprint>> o =
                    oldPool.submit(s -> grouped(s, pair.grouped(pair.old(), r), bounds, r));
            CompletableFuture<Map<Integer, Fingerprint>> n =
                    newPool.submit(s -> grouped(s, pair.grouped(pair.neu(), r), bounds, r));
            each.add(o.thenCombine(n, (a, b) -> {
                List<Integer> differing = new ArrayList<>();
                for (int i = first; i <= last; i++) {
                    Fingerprint x = a.getOrDefault(i, Fingerprint.NONE);
                    Fingerprint y = b.getOrDefault(i, Fingerprint.NONE);
                    rows.addAndGet(Math.max(x.count(), y.count()));
                    segments.incrementAndGet();
                    if (!x.equals(y)) {
                        differing.add(i);
                    }
                }
                progress.accept(new Progress(pair.name(), rows.get(), estimated));
                return differing;
            }));
        }
        List<Integer> differing = new ArrayList<>();
        for (CompletableFuture<List<Integer>> f : each) {
            differing.addAll(join(f));
        }
        List<CompletableFuture<Void>> streams = new ArrayList<>();
        for (int i = 0; i < differing.size(); ) {
            int j = i;
            while (j + 1 < differing.size()
                    && differing.get(j + 1) == differing.get(j) + 1
                    && j + 1 - i < STREAM_RANGES) {
                j++;
            }
            Pair.Range run = new Pair.Range(
                    fine.get(differing.get(i)).from(),
                    fine.get(differing.get(j)).to());
            streams.add(stream(run));
            i = j + 1;
        }
        join(CompletableFuture.allOf(streams.toArray(CompletableFuture[]::new)));
    }

    private Map<Integer, Fingerprint> grouped(Connection c, String sql, List<List<String>> bounds, Pair.Range r)
            throws SQLException {
        Map<Integer, Fingerprint> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(
                    1,
                    c.createArrayOf("text", bounds.stream().map(List::getFirst).toArray()));
            bind(ps, r, 2);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(
                            rs.getInt(1),
                            new Fingerprint(rs.getLong(2), low64(rs.getBigDecimal(3)), low64(rs.getBigDecimal(4))));
                }
            }
        }
        return out;
    }

    /** Each fine range of a differing segment: fingerprinted again when there are several, streamed when it differs. */
    private CompletableFuture<Void> drill(List<Pair.Range> parts) {
        if (parts.size() == 1) {
            return stream(parts.getFirst());
        }
        List<CompletableFuture<Void>> each = new ArrayList<>();
        for (Pair.Range r : parts) {
            each.add(fingerprints(r)
                    .thenCompose(fp -> fp[0].equals(fp[1]) ? CompletableFuture.completedFuture(null) : stream(r)));
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<Fingerprint[]> fingerprints(Pair.Range r) {
        CompletableFuture<Fingerprint> o = oldPool.submit(c -> fingerprint(c, pair.fingerprint(pair.old(), r), r));
        CompletableFuture<Fingerprint> n = newPool.submit(c -> fingerprint(c, pair.fingerprint(pair.neu(), r), r));
        return o.thenCombine(n, (a, b) -> new Fingerprint[] {a, b});
    }

    private Fingerprint fingerprint(Connection c, String sql, Pair.Range r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, r);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Fingerprint(rs.getLong(1), low64(rs.getBigDecimal(2)), low64(rs.getBigDecimal(3)));
            }
        }
    }

    /** A sum mod 2^64: its low 64 bits, two's complement. */
    static long low64(BigDecimal sum) {
        return sum == null ? 0 : sum.toBigIntegerExact().longValue();
    }

    static void bind(PreparedStatement ps, Pair.Range r) throws SQLException {
        bind(ps, r, 1);
    }

    static void bind(PreparedStatement ps, Pair.Range r, int first) throws SQLException {
        int i = first;
        for (List<String> b : java.util.Arrays.asList(r.from(), r.to())) {
            if (b != null) {
                for (String part : b) {
                    ps.setString(i++, part);
                }
            }
        }
    }

    private CompletableFuture<Void> stream(Pair.Range r) {
        return stream(r, 1);
    }

    /**
     * Streams a differing range and merges it. When no key differs, the fingerprints differed only
     * between the two moments they were read (a write in flight), or by a collision: the range is
     * fingerprinted and streamed again, a few times; a range that still differs with no differing key
     * is counted as unexplained, which fails the verification, visibly.
     */
    private CompletableFuture<Void> stream(Pair.Range r, int attempt) {
        long began = System.nanoTime();
        CompletableFuture<List<Keyed>> o = oldPool.submit(c -> keyed(c, pair.stream(pair.old(), r), r));
        CompletableFuture<List<Keyed>> n = newPool.submit(c -> keyed(c, pair.stream(pair.neu(), r), r));
        return o.thenCombine(n, (a, b) -> {
                    List<Suspect> found = new java.util.ArrayList<>();
                    merge(a, b, order, found::add);
                    suspects.addAll(found);
                    return found.isEmpty();
                })
                .thenCompose(nothing -> {
                    if (!nothing) {
                        return CompletableFuture.completedFuture(null);
                    }
                    return fingerprints(r).thenCompose(fp -> {
                        if (fp[0].equals(fp[1])) {
                            return CompletableFuture.completedFuture(null);
                        }
                        if (attempt >= 3) {
                            unexplained.incrementAndGet();
                            return CompletableFuture.completedFuture(null);
                        }
                        return stream(r, attempt + 1);
                    });
                });
    }

    /** One side's (key, hash) stream of a range; its rows and the time its session spent on them count toward the stream rate. */
    private List<Keyed> keyed(Connection c, String sql, Pair.Range r) throws SQLException {
        long began = System.nanoTime();
        List<Keyed> out = new ArrayList<>();
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false); // a cursor: the rows come in batches, not all at once
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setFetchSize(10_000);
            bind(ps, r);
            try (ResultSet rs = ps.executeQuery()) {
                int parts = pair.key().size();
                while (rs.next()) {
                    List<String> p = new ArrayList<>(parts);
                    for (int i = 0; i < parts; i++) {
                        p.add(rs.getString(3 + i));
                    }
                    out.add(new Keyed(rs.getString(1), rs.getLong(2), p));
                }
            }
        } finally {
            c.commit();
            c.setAutoCommit(auto);
        }
        streamedRows.addAndGet(out.size());
        streamNanos.addAndGet(System.nanoTime() - began);
        return out;
    }

    /** The order both streams of a pair come in: see {@link Pair#typedOrder}. */
    static Comparator<Keyed> order(Pair pair) {
        if (!pair.typedOrder()) {
            return (a, b) -> Keys.compare(a.key(), b.key());
        }
        List<Boolean> integer =
                pair.key().stream().map(c -> Pair.INTEGERS.contains(c.type())).toList();
        return (a, b) -> {
            for (int i = 0; i < integer.size(); i++) {
                String x = a.parts().get(i);
                String y = b.parts().get(i);
                int c = integer.get(i) ? Long.compare(Long.parseLong(x), Long.parseLong(y)) : x.compareTo(y);
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        };
    }

    /** Merge-joins two streams in {@code order}; reports each key that differs once. */
    static void merge(List<Keyed> old, List<Keyed> neu, Comparator<Keyed> order, Consumer<Suspect> out) {
        int i = 0;
        int j = 0;
        while (i < old.size() || j < neu.size()) {
            int cmp = i == old.size() ? 1 : j == neu.size() ? -1 : order.compare(old.get(i), neu.get(j));
            Keyed a = cmp <= 0 ? old.get(i) : null;
            Keyed b = cmp >= 0 ? neu.get(j) : null;
            int onOld = a == null ? 0 : repeats(old, i, order);
            int onNew = b == null ? 0 : repeats(neu, j, order);
            i += onOld;
            j += onNew;
            Keyed any = a != null ? a : b;
            if (onOld > 1 || onNew > 1) {
                out.accept(new Suspect(any.key(), any.parts(), Drift.Kind.DUPLICATE_KEY));
            } else if (b == null) {
                out.accept(new Suspect(any.key(), any.parts(), Drift.Kind.MISSING_ON_NEW));
            } else if (a == null) {
                out.accept(new Suspect(any.key(), any.parts(), Drift.Kind.EXTRA_ON_NEW));
            } else if (a.hash() != b.hash()) {
                out.accept(new Suspect(any.key(), any.parts(), Drift.Kind.CHANGED));
            }
        }
    }

    /** How many rows from {@code from} on carry the key of the first. */
    private static int repeats(List<Keyed> side, int from, Comparator<Keyed> order) {
        int n = 1;
        while (from + n < side.size() && order.compare(side.get(from + n), side.get(from)) == 0) {
            n++;
        }
        return n;
    }

    /** Sleeps while the rows compared run ahead of {@link #maxRowsPerSecond} since {@code since}. */
    private void throttle(long since) {
        if (maxRowsPerSecond <= 0) {
            return;
        }
        double ahead = rows.get() / (double) maxRowsPerSecond - (System.nanoTime() - since) / 1e9;
        if (ahead > 0) {
            try {
                Thread.sleep((long) (ahead * 1000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while verifying", e);
            }
        }
    }

    private static void acquire(Semaphore s) {
        try {
            s.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while verifying", e);
        }
    }

    static <T> T join(CompletableFuture<T> f) throws SQLException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while verifying", e);
        } catch (ExecutionException e) {
            Throwable cause =
                    e.getCause() instanceof java.util.concurrent.CompletionException ce && ce.getCause() != null
                            ? ce.getCause()
                            : e.getCause();
            if (cause instanceof SQLException se) {
                throw se;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new SQLException(cause);
        }
    }
}
