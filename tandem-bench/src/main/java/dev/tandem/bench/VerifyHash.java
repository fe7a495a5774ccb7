package dev.tandem.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The ceiling of the verification benchmark: every row of the table hashed whole, on both sides at once,
 * one query each ({@code count(*)} and {@code sum(hash_record_extended(t, 0))}), with nothing kept or
 * compared beyond the two sums. A comparison that reads every row of both sides cannot go much faster on
 * the same server; the target is a share of this rate.
 */
final class VerifyHash {
    private static final String QUERY = "SELECT count(*) || ' ' || sum(hash_record_extended(t, 0)) FROM %s t";

    /**
     * A run.
     *
     * @param seconds until both sides had answered
     * @param equal whether both sides' count and sum are equal
     */
    record Run(double seconds, boolean equal) {
        Map<String, Object> figures(long rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seconds", seconds);
            m.put("rows_per_second", rows / seconds);
            m.put("sums_equal", String.valueOf(equal));
            return m;
        }
    }

    private VerifyHash() {}

    static Run run(Store old, Store neu, String table) {
        String sql = QUERY.formatted(table);
        // Threads of its own: the common pool has one thread on two cores, and would run the sides in turn.
        try (ExecutorService sides = Executors.newFixedThreadPool(2)) {
            long began = System.nanoTime();
            CompletableFuture<String> a = CompletableFuture.supplyAsync(() -> old.query(sql), sides);
            CompletableFuture<String> b = CompletableFuture.supplyAsync(() -> neu.query(sql), sides);
            boolean equal = a.join().equals(b.join());
            return new Run((System.nanoTime() - began) / 1e9, equal);
        }
    }

    /** The query, as the report states it. */
    static String query(String table) {
        return QUERY.formatted(table);
    }
}
