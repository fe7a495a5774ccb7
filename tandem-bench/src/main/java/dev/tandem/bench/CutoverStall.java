package dev.tandem.bench;

import dev.tandem.client.MigrationHandle;
import dev.tandem.client.Tandem;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * How long writes through {@code tandem-client} stall while a moved table is handed over: writer
 * threads add one cent to random orders through {@link MigrationHandle#write} at a paced total rate,
 * the relays run, and the engine cuts over, reverts and cuts over again a few seconds apart. Every
 * write's latency is recorded, from the moment it was due (so a write held behind the fence counts
 * the whole wait, and so do the writes its thread owed meanwhile) and from the moment it was called.
 * At the end both sides must hold the same rows, and their totals must be the seeded ones plus one cent
 * per committed write; otherwise the run fails.
 */
final class CutoverStall {
    /**
     * The sizes of a run.
     *
     * @param rate writes per second, all writers together
     * @param writers writer threads
     * @param steadySeconds writing before the first cutover
     * @param gapSeconds writing between the fences, and after the last
     * @param windowMillis a fence's window: writes in flight at any time from twice this long before the
     *     engine's call returned (or this long before the fence reported its hold, if earlier) until this
     *     long after it returned
     */
    record Settings(int rate, int writers, int steadySeconds, int gapSeconds, int windowMillis) {}

    /** What one writer recorded: per write, when it was due, called and done, in ns since the start. */
    private static final class Log {
        final Timings due = new Timings(4096);
        final Timings called = new Timings(4096);
        final Timings done = new Timings(4096);
        // How many times the write's function ran (more than once when a fence refused it), and when it last began.
        final Timings attempts = new Timings(4096);
        final Timings lastAttempt = new Timings(4096);
    }

    /**
     * One engine call, in ns since the writers started, and when the fence reported its hold (just
     * before the engine's commit; 0 when it did not).
     */
    private record Fence(String name, long startNanos, long endNanos, long noteNanos) {
        /**
         * Where its window begins: twice the window before the call returned (the hold comes at the end of
         * the call, after the drain before the lock), or one window before the fence reported, if earlier.
         */
        long from(long window) {
            return Math.min(endNanos - 2 * window, noteNanos == 0 ? Long.MAX_VALUE : noteNanos - window);
        }

        long to(long window) {
            return endNanos + window;
        }

        Fence noted(long at) {
            return at >= startNanos && at <= endNanos ? new Fence(name, startNanos, endNanos, at) : this;
        }
    }

    /** The first second's writes warm the JIT and the pools up; they count only towards the gaps. */
    static final long WARM_UP_NANOS = 1_000_000_000L;

    private CutoverStall() {}

    static Map<String, Object> run(ClientMove move, Settings s) throws Exception {
        long initialCents = move.sourceCents();
        AtomicLong committed = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        List<String> errorMessages = new CopyOnWriteArrayList<>();
        List<Log> logs = new ArrayList<>();
        List<Fence> fences = new ArrayList<>();
        // When the writers started; the times recorded are relative to it.
        long[] start = {0};
        Map<String, Object> r = new LinkedHashMap<>();
        try (Tandem tandem = Tandem.connect()
                .service("orders")
                .instance("bench-writers")
                .dataSource(move.sourcePool)
                .store(ClientMove.STORE, move.targetPool)
                .build()) {
            MigrationHandle handle = tandem.migration(ClientMove.ID);
            start[0] = System.nanoTime();
            long t0 = start[0];
            long period = 1_000_000_000L * s.writers() / s.rate();
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < s.writers(); w++) {
                Log log = new Log();
                logs.add(log);
                long offset = period * w / s.writers();
                writers.add(Thread.ofPlatform().name("bench-writer-" + (w + 1)).start(() -> {
                    long due = t0 + offset;
                    while (running.get()) {
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                        long called = System.nanoTime();
                        long key = ThreadLocalRandom.current().nextLong(1, move.rows() + 1);
                        long[] attempt = {0, 0};
                        try {
                            int n = handle.write(
                                    Long.toString(key),
                                    c -> update(attempt, c, "UPDATE orders SET total = total + 0.01 WHERE id = ?", key),
                                    c -> update(
                                            attempt,
                                            c,
                                            "UPDATE invoices SET total_cents = total_cents + 1 WHERE id = ?",
                                            key));
                            if (n != 1) {
                                throw new IllegalStateException("order " + key + " was not found (" + n + " rows)");
                            }
                            committed.incrementAndGet();
                        } catch (SQLException | RuntimeException e) {
                            errors.incrementAndGet();
                            if (errorMessages.size() < 5) {
                                errorMessages.add(e.toString());
                            }
                        }
                        long done = System.nanoTime();
                        log.due.add(due - t0);
                        log.called.add(called - t0);
                        log.done.add(done - t0);
                        log.attempts.add(attempt[0]);
                        log.lastAttempt.add(attempt[1] - t0);
                        due += period;
                    }
                }));
            }
            Thread.sleep(Duration.ofSeconds(s.steadySeconds()));
            fences.add(fence("cutover", t0, move::cutover));
            Thread.sleep(Duration.ofSeconds(s.gapSeconds()));
            fences.add(fence("revert", t0, move::revert));
            Thread.sleep(Duration.ofSeconds(s.gapSeconds()));
            fences.add(fence("cutover again", t0, move::cutover));
            Thread.sleep(Duration.ofSeconds(s.gapSeconds()));
            running.set(false);
            for (Thread t : writers) {
                t.join();
            }
            r.put("seconds_writing", (System.nanoTime() - t0) / 1e9);
            r.put("writes_per_second_achieved", committed.get() / ((System.nanoTime() - t0) / 1e9));
        }
        move.awaitDelivered(Duration.ofSeconds(60));
        String rows = move.requireEqual();
        long cents = move.sourceCents();
        if (cents != initialCents + committed.get()) {
            throw new IllegalStateException("the orders hold " + cents + " cents, but " + initialCents + " were seeded"
                    + " and " + committed.get() + " writes of one cent committed: a write was lost or doubled");
        }
        r.put("rate", (long) s.rate());
        r.put("writers", (long) s.writers());
        r.put("window_ms", (long) s.windowMillis());
        r.put("warm_up_ms", WARM_UP_NANOS / 1_000_000);
        r.put("writes_committed", committed.get());
        r.put("errors", errors.get());
        r.put("error_messages", List.copyOf(errorMessages));
        r.put("both_sides", rows + " (equal), totals = seeded + one cent per committed write");
        List<String> notes = new ArrayList<>();
        for (ClientMove.FenceNote note : move.fenceNotes()) {
            long at = note.atNanos() - start[0];
            String where = "";
            fences.replaceAll(f -> f.noted(at));
            for (Fence f : fences) {
                if (at >= f.startNanos() && at <= f.endNanos()) {
                    where = f.name() + ", " + (at - f.startNanos()) / 1_000_000 + " ms into the engine's call of "
                            + (f.endNanos() - f.startNanos()) / 1_000_000 + " ms: ";
                }
            }
            notes.add(where + note.message());
        }
        r.put("fence_messages", notes);
        r.putAll(figures(logs, fences, s.windowMillis() * 1_000_000L));
        return r;
    }

    private static int update(long[] attempt, Connection c, String sql, long key) throws SQLException {
        attempt[0]++;
        attempt[1] = System.nanoTime();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, key);
            return ps.executeUpdate();
        }
    }

    private interface Transition {
        long run();
    }

    private static Fence fence(String name, long start, Transition transition) {
        long t = System.nanoTime();
        transition.run();
        Fence f = new Fence(name, t - start, System.nanoTime() - start, 0);
        BenchDb.log(name + " took " + (f.endNanos() - f.startNanos()) / 1_000_000 + " ms");
        return f;
    }

    /** p50 and max in milliseconds, of values that may be negative. */
    private static Map<String, Object> signedMillis(Timings t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", (long) t.count());
        m.put("p50_ms", t.percentile(0.5) / 1e6);
        m.put("max_ms", t.count() == 0 ? 0.0 : t.percentile(1.0) / 1e6);
        return m;
    }

    /** Latencies per fence window and outside them, and the longest time no write completed. */
    private static Map<String, Object> figures(List<Log> logs, List<Fence> fences, long window) {
        Timings steadyDue = new Timings(1 << 16);
        Timings steadyCall = new Timings(1 << 16);
        List<Timings> fenceDue = new ArrayList<>();
        List<Timings> fenceCall = new ArrayList<>();
        // Of the writes a fence refused and the client retried: from the call to the retry, from the
        // engine's return to the retry (negative when the retry began before the call returned), and the retry.
        List<Timings> beforeRetry = new ArrayList<>();
        List<Timings> retryAfterReturn = new ArrayList<>();
        List<Timings> retry = new ArrayList<>();
        long[] maxAttempts = new long[fences.size()];
        for (int i = 0; i < fences.size(); i++) {
            fenceDue.add(new Timings(1024));
            fenceCall.add(new Timings(1024));
            beforeRetry.add(new Timings(64));
            retryAfterReturn.add(new Timings(64));
            retry.add(new Timings(64));
        }
        Timings allDue = new Timings(1 << 16);
        List<Long> completions = new ArrayList<>();
        for (Log log : logs) {
            for (int i = 0; i < log.due.count(); i++) {
                long due = log.due.at(i);
                long called = log.called.at(i);
                long done = log.done.at(i);
                completions.add(done);
                if (due < WARM_UP_NANOS) {
                    continue;
                }
                allDue.add(done - due);
                int in = -1;
                for (int f = 0; f < fences.size(); f++) {
                    Fence fence = fences.get(f);
                    if (called <= fence.to(window) && done >= fence.from(window)) {
                        in = f;
                    }
                }
                long attempts = log.attempts.at(i);
                long last = log.lastAttempt.at(i);
                if (in >= 0 && attempts > 1) {
                    beforeRetry.get(in).add(last - called);
                    retryAfterReturn.get(in).add(last - fences.get(in).endNanos());
                    retry.get(in).add(done - last);
                    maxAttempts[in] = Math.max(maxAttempts[in], attempts);
                }
                (in < 0 ? steadyDue : fenceDue.get(in)).add(done - due);
                (in < 0 ? steadyCall : fenceCall.get(in)).add(done - called);
            }
        }
        completions.sort(null);
        long gap = 0;
        long[] fenceGap = new long[fences.size()];
        for (int i = 1; i < completions.size(); i++) {
            long a = completions.get(i - 1);
            long b = completions.get(i);
            gap = Math.max(gap, b - a);
            for (int f = 0; f < fences.size(); f++) {
                if (b >= fences.get(f).from(window) && a <= fences.get(f).to(window)) {
                    fenceGap[f] = Math.max(fenceGap[f], b - a);
                }
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("steady_from_due", steadyDue.millis());
        m.put("steady_from_call", steadyCall.millis());
        List<Map<String, Object>> windows = new ArrayList<>();
        for (int f = 0; f < fences.size(); f++) {
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("fence", fences.get(f).name());
            w.put("engine_call_ms", (fences.get(f).endNanos() - fences.get(f).startNanos()) / 1e6);
            w.put("longest_gap_without_a_completed_write_ms", fenceGap[f] / 1e6);
            w.put("from_due", fenceDue.get(f).millis());
            w.put("from_call", fenceCall.get(f).millis());
            Map<String, Object> retried = new LinkedHashMap<>();
            retried.put("writes", (long) retry.get(f).count());
            retried.put("most_attempts", maxAttempts[f]);
            retried.put("call_to_retry", beforeRetry.get(f).millis());
            retried.put("engine_return_to_retry", signedMillis(retryAfterReturn.get(f)));
            retried.put("retry", retry.get(f).millis());
            w.put("refused_and_retried", retried);
            windows.add(w);
        }
        m.put("fences", windows);
        m.put("all_from_due", allDue.millis());
        m.put("longest_gap_without_a_completed_write_ms", gap / 1e6);
        return m;
    }
}
