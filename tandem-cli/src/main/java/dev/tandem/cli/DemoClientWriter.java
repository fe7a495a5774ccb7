package dev.tandem.cli;

import dev.tandem.client.MigrationHandle;
import dev.tandem.client.TandemContext;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.random.RandomGenerator;

/**
 * The orders service's own code, written once for both sides of the move: every write goes through
 * {@code tandem-client}'s {@link MigrationHandle#write}, with the SQL for orders on the source and for
 * invoices on the target, and runs wherever the move is authoritative at that moment. Updates, inserts
 * on conflict and deletes of the seeded ids, half of them among the hot ones, as {@link
 * DemoOrderWriter} writes. Each write's time is kept, so the demo can show what a cutover cost it.
 */
final class DemoClientWriter implements Runnable {
    private static final long PAUSE_NANOS = Duration.ofMillis(2).toNanos();
    private static final int HOT_IDS = 200;

    private final MigrationHandle move;
    private final long seeded;
    private final RandomGenerator random;
    private final Thread thread;
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong onTarget = new AtomicLong();
    private final List<Long> nanos = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean stopping;
    private volatile Exception failure;

    DemoClientWriter(String name, MigrationHandle move, long seeded, RandomGenerator random) {
        this.move = move;
        this.seeded = seeded;
        this.random = random;
        this.thread = new Thread(this, "demo-client-writer-" + name);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void stop() throws InterruptedException {
        stopping = true;
        thread.join(Duration.ofSeconds(30));
    }

    @Override
    public void run() {
        long n = 0;
        while (!stopping) {
            long id = random.nextBoolean()
                    ? random.nextLong(1, Math.min(HOT_IDS, seeded) + 1)
                    : random.nextLong(1, seeded + 1);
            long customer = random.nextLong(1, 1000);
            long cents = random.nextLong(1, 100_000);
            int dice = random.nextInt(100);
            long t0 = System.nanoTime();
            try (TandemContext.Scope ignored = TandemContext.correlate("demo-" + thread.getName() + "-" + ++n, null)) {
                boolean target;
                if (dice < 60) {
                    target = move.write(
                            String.valueOf(id),
                            c -> run(
                                    c,
                                    "UPDATE public.orders SET customer_id = ?, total = ? / 100.0 WHERE id = ?",
                                    customer,
                                    cents,
                                    id,
                                    false),
                            c -> run(
                                    c,
                                    "UPDATE public.invoices SET customer_id = ?, total_cents = ? WHERE id = ?",
                                    customer,
                                    cents,
                                    id,
                                    true));
                } else if (dice < 85) {
                    target = move.write(
                            String.valueOf(id),
                            c -> run(
                                    c,
                                    "INSERT INTO public.orders (customer_id, total, id) VALUES (?, ? / 100.0, ?)"
                                            + " ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id,"
                                            + " total = excluded.total",
                                    customer,
                                    cents,
                                    id,
                                    false),
                            c -> run(
                                    c,
                                    "INSERT INTO public.invoices (customer_id, total_cents, id) VALUES (?, ?, ?)"
                                            + " ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id,"
                                            + " total_cents = excluded.total_cents",
                                    customer,
                                    cents,
                                    id,
                                    true));
                } else {
                    target = move.write(
                            String.valueOf(id),
                            c -> delete(c, "DELETE FROM public.orders WHERE id = ?", id, false),
                            c -> delete(c, "DELETE FROM public.invoices WHERE id = ?", id, true));
                }
                nanos.add(System.nanoTime() - t0);
                writes.incrementAndGet();
                if (target) {
                    onTarget.incrementAndGet();
                }
            } catch (SQLException | RuntimeException e) {
                failure = e;
                return;
            }
            LockSupport.parkNanos(PAUSE_NANOS);
        }
    }

    private static boolean run(Connection c, String sql, long customer, long cents, long id, boolean target)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, customer);
            ps.setLong(2, cents);
            ps.setLong(3, id);
            ps.executeUpdate();
        }
        return target;
    }

    private static boolean delete(Connection c, String sql, long id, boolean target) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, id);
            ps.executeUpdate();
        }
        return target;
    }

    long writes() {
        return writes.get();
    }

    long onTarget() {
        return onTarget.get();
    }

    Exception failure() {
        return failure;
    }

    /** Every write's time, in nanoseconds, in the order they finished. */
    List<Long> times() {
        synchronized (nanos) {
            return List.copyOf(nanos);
        }
    }
}
