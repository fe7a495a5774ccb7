package dev.tandem.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Durations in nanoseconds, collected by one thread (or merged after their threads ended) and summed up
 * as percentiles. Not thread-safe.
 */
final class Timings {
    private long[] nanos;
    private int n;

    Timings(int capacity) {
        this.nanos = new long[Math.max(16, capacity)];
    }

    void add(long value) {
        if (n == nanos.length) {
            nanos = Arrays.copyOf(nanos, n * 2);
        }
        nanos[n++] = value;
    }

    void addAll(Timings other) {
        for (int i = 0; i < other.n; i++) {
            add(other.nanos[i]);
        }
    }

    /** The {@code i}th value added. */
    long at(int i) {
        return nanos[i];
    }

    int count() {
        return n;
    }

    /** The {@code p} quantile (0 to 1) in nanoseconds, 0 when empty. */
    long percentile(double p) {
        long[] sorted = Arrays.copyOf(nanos, n);
        Arrays.sort(sorted);
        return Latency.percentile(sorted, n, p);
    }

    long max() {
        long m = 0;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, nanos[i]);
        }
        return m;
    }

    /** count, p50, p99 and max in milliseconds. */
    Map<String, Object> millis() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", (long) n);
        m.put("p50_ms", percentile(0.50) / 1e6);
        m.put("p99_ms", percentile(0.99) / 1e6);
        m.put("max_ms", max() / 1e6);
        return m;
    }

    /** count, p50, p99 and max in microseconds. */
    Map<String, Object> micros() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", (long) n);
        m.put("p50_us", percentile(0.50) / 1e3);
        m.put("p99_us", percentile(0.99) / 1e3);
        m.put("max_us", max() / 1e3);
        return m;
    }
}
