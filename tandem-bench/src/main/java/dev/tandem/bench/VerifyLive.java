package dev.tandem.bench;

import dev.tandem.verify.Verification;
import dev.tandem.verify.Verifier;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * What verification costs a live workload: writer threads add one cent to random orders of a started
 * move ({@link ClientMove}, relays running) at a paced total rate, with plain JDBC on the source's pool, as
 * a service that has not adopted the client writes. The run has three windows of the same length: without
 * verification, with {@link Verifier#verify} called again and again, and without again. Each write's
 * latency runs from when it was due on its thread's schedule (a write that waits delays the ones its
 * thread owes, and they count that wait) to its commit; a write belongs to the window it was due in.
 * The baseline is both windows without verification together. At the end both sides must be equal.
 */
final class VerifyLive {
    /** The verifier's pace beside the live workload: a tenth of what it reaches at rest here. */
    static final long LIVE_MAX_ROWS_PER_SECOND = 100_000;

    /**
     * The sizes of a run.
     *
     * @param rows orders in the moved table
     * @param rate writes per second, all writers together
     * @param writers writer threads
     * @param windowSeconds each window's length
     */
    record Settings(long rows, int rate, int writers, int windowSeconds) {
        Settings withRate(int r) {
            return new Settings(rows, r, writers, windowSeconds);
        }
    }

    /** Writes due in the first two seconds warm the JIT and the pool; they count in no window. */
    private static final long WARM_UP_NANOS = 2_000_000_000L;

    private static final String WRITE = "UPDATE orders SET total = total + 0.01 WHERE id = ?";

    /** What one writer recorded, per write: when it was due and when it committed, ns since the start. */
    private record Log(Timings due, Timings done) {}

    private VerifyLive() {}

    static Map<String, Object> run(VerifyCluster cluster, Settings s, int parallelism) throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        BenchDb.log("verify: live workload, starting a move of " + s.rows() + " orders");
        Store source = cluster.create("live_orders");
        Store target = cluster.create("live_billing");
        try (ClientMove move = ClientMove.on(source, target, s.rows(), s.writers() + 2)) {
            Verifier verifier = Verifier.builder(source.dataSource("tandem-verify"))
                    .stores(Map.of(ClientMove.STORE, target.dataSource("tandem-verify")))
                    .parallelism(parallelism)
                    // Beside a live workload, as an operator would run it: paced, to spare the writers.
                    .maxRowsPerSecond(LIVE_MAX_ROWS_PER_SECOND)
                    .build();
            // Once at rest: the figure without writes, and the check that the move's two sides start equal.
            Verification atRest = verifier.verify(ClientMove.ID);
            r.put("at_rest", figures(atRest));
            if (!atRest.passed()) {
                throw new IllegalStateException("the move's sides differ before any write: " + atRest.drift());
            }
            AtomicLong committed = new AtomicLong();
            AtomicLong errors = new AtomicLong();
            AtomicBoolean running = new AtomicBoolean(true);
            List<Log> logs = new ArrayList<>();
            List<Thread> writers = new ArrayList<>();
            long t0 = System.nanoTime();
            long period = 1_000_000_000L * s.writers() / s.rate();
            for (int w = 0; w < s.writers(); w++) {
                Log log = new Log(new Timings(1 << 14), new Timings(1 << 14));
                logs.add(log);
                long offset = period * w / s.writers();
                writers.add(Thread.ofPlatform()
                        .name("bench-writer-" + (w + 1))
                        .start(() -> write(move, running, t0, offset, period, log, committed, errors)));
            }
            long window = s.windowSeconds() * 1_000_000_000L;
            long[] bounds = new long[4];
            bounds[0] = WARM_UP_NANOS;
            sleepUntil(t0 + bounds[0] + window);
            bounds[1] = System.nanoTime() - t0;
            BenchDb.log("verify: live workload, verifying again and again for " + s.windowSeconds() + " s");
            List<Map<String, Object>> verifications = new ArrayList<>();
            while (System.nanoTime() - t0 < bounds[1] + window) {
                verifications.add(figures(verifier.verify(ClientMove.ID)));
            }
            bounds[2] = System.nanoTime() - t0;
            sleepUntil(t0 + bounds[2] + window);
            bounds[3] = System.nanoTime() - t0;
            running.set(false);
            for (Thread t : writers) {
                t.join();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            move.awaitDelivered(Duration.ofSeconds(60));
            r.put("both_sides", move.requireEqual() + " (equal)");
            r.put("rows", s.rows());
            r.put("rate", (long) s.rate());
            r.put("writers", (long) s.writers());
            r.put("window_seconds", (long) s.windowSeconds());
            r.put("writes_committed", committed.get());
            r.put("writes_per_second_achieved", committed.get() / seconds);
            r.put("errors", errors.get());
            Timings before = new Timings(1 << 16);
            Timings during = new Timings(1 << 16);
            Timings after = new Timings(1 << 16);
            for (Log log : logs) {
                for (int i = 0; i < log.due().count(); i++) {
                    long due = log.due().at(i);
                    long latency = log.done().at(i) - due;
                    if (due >= bounds[0] && due < bounds[1]) {
                        before.add(latency);
                    } else if (due >= bounds[1] && due < bounds[2]) {
                        during.add(latency);
                    } else if (due >= bounds[2] && due < bounds[3]) {
                        after.add(latency);
                    }
                }
            }
            Timings without = new Timings(before.count() + after.count());
            without.addAll(before);
            without.addAll(after);
            r.put("without_verification", without.millis());
            r.put("with_verification", during.millis());
            r.put("before", before.millis());
            r.put("after", after.millis());
            r.put("p99_ratio", (double) during.percentile(0.99) / Math.max(1, without.percentile(0.99)));
            r.put("verifying_seconds", (bounds[2] - bounds[1]) / 1e9);
            r.put("verifications", verifications);
        } finally {
            cluster.drop(source);
            cluster.drop(target);
        }
        return r;
    }

    private static void write(
            ClientMove move,
            AtomicBoolean running,
            long t0,
            long offset,
            long period,
            Log log,
            AtomicLong committed,
            AtomicLong errors) {
        long due = t0 + offset;
        while (running.get()) {
            sleepUntil(due);
            long key = ThreadLocalRandom.current().nextLong(1, move.rows() + 1);
            try (Connection c = move.sourcePool.getConnection();
                    PreparedStatement ps = c.prepareStatement(WRITE)) {
                ps.setLong(1, key);
                if (ps.executeUpdate() != 1) {
                    throw new IllegalStateException("order " + key + " was not found");
                }
                committed.incrementAndGet();
            } catch (SQLException | RuntimeException e) {
                if (errors.getAndIncrement() < 5) {
                    BenchDb.log("verify: a write failed: " + e);
                }
            }
            long done = System.nanoTime();
            log.due().add(due - t0);
            log.done().add(done - t0);
            due += period;
        }
    }

    private static void sleepUntil(long nanoTime) {
        long wait;
        while ((wait = nanoTime - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }

    private static Map<String, Object> figures(Verification v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seconds", v.took().toNanos() / 1e9);
        m.put("rows", v.rows());
        m.put("rows_per_second", v.rowsPerSecond());
        m.put("drift_rows", v.driftRows());
        m.put("suspects_cleared", v.suspectsCleared());
        m.put("unresolved", v.unresolved());
        m.put("passed", String.valueOf(v.passed()));
        return m;
    }
}
