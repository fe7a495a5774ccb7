package dev.tandem.bench;

import dev.tandem.client.MigrationHandle;
import dev.tandem.client.ShadowReads;
import dev.tandem.client.ShadowStats;
import dev.tandem.client.Tandem;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * What shadow reads cost the caller: the same paced point reads of a moved table through {@link
 * MigrationHandle#read}, with shadow reads off and on at a sampling rate, in alternating runs. The
 * caller's latency is timed from the call to its return; the shadowed read on the other side and the
 * comparison run on the client's own thread afterwards.
 */
final class ShadowReadCost {
    /**
     * @param rate reads per second, all readers together
     * @param readers reader threads
     * @param seconds one run
     * @param rounds runs with shadow reads off, and as many with them on, alternated
     * @param sampleRate the share of reads shadowed
     */
    record Settings(int rate, int readers, int seconds, int rounds, double sampleRate) {}

    /** One order as either side returns it, in cents. */
    record Order(long id, long customerId, long totalCents) {}

    private ShadowReadCost() {}

    static Map<String, Object> run(ClientMove move, Settings s) throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        try (Tandem tandem = Tandem.connect()
                .service("orders")
                .instance("bench-readers")
                .dataSource(move.sourcePool)
                .store(ClientMove.STORE, move.targetPool)
                .build()) {
            MigrationHandle handle = tandem.migration(ClientMove.ID);
            r.put("phase", handle.phase().toString());
            r.put("reads_new_percent", (long) handle.readsNewPercent());
            ShadowReads shadow =
                    ShadowReads.builder().sampleRate(s.sampleRate()).build();
            // A short run of each first, to warm the JIT, the pools and the shadow thread.
            read(handle, move.rows(), s, Math.max(1, s.seconds() / 2));
            handle.shadowReads(shadow);
            read(handle, move.rows(), s, Math.max(1, s.seconds() / 2));
            handle.shadowReads(null);
            ShadowStats before = handle.shadowStats();
            Timings off = new Timings(1 << 16);
            Timings on = new Timings(1 << 16);
            List<Map<String, Object>> runs = new ArrayList<>();
            for (int round = 0; round < s.rounds(); round++) {
                for (boolean shadowed : List.of(false, true)) {
                    handle.shadowReads(shadowed ? shadow : null);
                    Timings t = read(handle, move.rows(), s, s.seconds());
                    (shadowed ? on : off).addAll(t);
                    Map<String, Object> run = new LinkedHashMap<>();
                    run.put("shadow_reads", shadowed ? "on" : "off");
                    run.putAll(t.micros());
                    runs.add(run);
                    BenchDb.log("shadow reads " + (shadowed ? "on " : "off") + ": " + t.micros());
                }
            }
            handle.shadowReads(null);
            ShadowStats after = handle.shadowStats();
            r.put("rate", (long) s.rate());
            r.put("readers", (long) s.readers());
            r.put("seconds_per_run", (long) s.seconds());
            r.put("sample_rate", s.sampleRate());
            r.put("runs", runs);
            r.put("off", off.micros());
            r.put("on", on.micros());
            r.put("p50_ratio", (double) on.percentile(0.5) / off.percentile(0.5));
            r.put("p99_ratio", (double) on.percentile(0.99) / off.percentile(0.99));
            r.put("shadow_compared", after.compared() - before.compared());
            r.put("shadow_mismatched", after.mismatched() - before.mismatched());
            r.put("shadow_dropped", after.dropped() - before.dropped());
            r.put("shadow_errors", after.errors() - before.errors());
        }
        return r;
    }

    /** Paced point reads for {@code seconds}; the caller's latency of each. */
    private static Timings read(MigrationHandle handle, long rows, Settings s, int seconds)
            throws InterruptedException {
        long period = 1_000_000_000L * s.readers() / s.rate();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        AtomicBoolean failed = new AtomicBoolean();
        List<Timings> timings = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < s.readers(); i++) {
            Timings t = new Timings(s.rate() * seconds / s.readers() + 16);
            timings.add(t);
            long offset = period * i / s.readers();
            threads.add(Thread.ofPlatform().name("bench-reader-" + (i + 1)).start(() -> {
                for (long due = start + offset; due < end; due += period) {
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    long key = ThreadLocalRandom.current().nextLong(1, rows + 1);
                    long called = System.nanoTime();
                    try {
                        Order o = handle.read(
                                Long.toString(key),
                                c -> order(
                                        c,
                                        "SELECT id, customer_id, (total * 100)::bigint FROM orders WHERE id = ?",
                                        key),
                                c -> order(c, "SELECT id, customer_id, total_cents FROM invoices WHERE id = ?", key));
                        if (o == null) {
                            throw new IllegalStateException("order " + key + " was not found");
                        }
                    } catch (SQLException | RuntimeException e) {
                        failed.set(true);
                        BenchDb.log("a read failed: " + e);
                        return;
                    }
                    t.add(System.nanoTime() - called);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failed.get()) {
            throw new IllegalStateException("reads failed (above); the shadow-read figures would not mean anything");
        }
        Timings all = new Timings(s.rate() * seconds + 16);
        timings.forEach(all::addAll);
        return all;
    }

    private static Order order(Connection c, String sql, long key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Order(rs.getLong(1), rs.getLong(2), rs.getLong(3)) : null;
            }
        }
    }
}
