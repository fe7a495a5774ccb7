package dev.tandem.cli;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.random.RandomGenerator;
import javax.sql.DataSource;

/**
 * An application writing to {@code orders} on the source store, on its own thread and connection,
 * knowing nothing of the move: inserts of new orders, updates, deletes, and inserts of ids that may
 * have been deleted ({@code ON CONFLICT DO UPDATE}), one statement a transaction. Every writer picks
 * from the same ids, half the time among the first {@value #HOT_IDS}, so writers keep overlapping on
 * the same rows: several versions of a key, interleaved from both writers, a delete followed by an
 * insert of the same key.
 */
final class DemoOrderWriter implements Runnable {
    /** Leaves CPU for the copy and the relay on a small machine; still hundreds of writes a second. */
    private static final long PAUSE_NANOS = Duration.ofMillis(2).toNanos();

    private static final int HOT_IDS = 200;

    private final DataSource source;
    private final long seeded;
    private final RandomGenerator random;
    private final AtomicLong inserts = new AtomicLong();
    private final AtomicLong updates = new AtomicLong();
    private final AtomicLong deletes = new AtomicLong();
    private final AtomicLong upserts = new AtomicLong();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile Exception failure;

    /** Writes to {@code orders} on {@code source}, whose ids 1 to {@code seeded} were seeded. */
    DemoOrderWriter(String name, DataSource source, long seeded, RandomGenerator random) {
        this.source = source;
        this.seeded = seeded;
        this.random = random;
        this.thread = new Thread(this, "demo-orders-writer-" + name);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Stops after the current write and waits for the thread. */
    void stop() throws InterruptedException {
        stopping = true;
        thread.join(Duration.ofSeconds(30));
    }

    @Override
    public void run() {
        try (Connection c = source.getConnection();
                PreparedStatement insert =
                        c.prepareStatement("INSERT INTO public.orders (customer_id, total) VALUES (?, ?)");
                PreparedStatement update =
                        c.prepareStatement("UPDATE public.orders SET customer_id = ?, total = total + ? WHERE id = ?");
                PreparedStatement delete = c.prepareStatement("DELETE FROM public.orders WHERE id = ?");
                PreparedStatement upsert = c.prepareStatement("""
                        INSERT INTO public.orders (id, customer_id, total) VALUES (?, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id, total = excluded.total
                        """)) {
            while (!stopping) {
                int dice = random.nextInt(100);
                if (dice < 25) {
                    insert.setLong(1, customer());
                    setTotal(insert, 2);
                    count(insert.executeUpdate(), inserts);
                } else if (dice < 70) {
                    update.setLong(1, customer());
                    update.setBigDecimal(2, BigDecimal.valueOf(random.nextLong(1, 500), 2));
                    update.setLong(3, id());
                    count(update.executeUpdate(), updates);
                } else if (dice < 85) {
                    delete.setLong(1, id());
                    count(delete.executeUpdate(), deletes);
                } else {
                    upsert.setLong(1, id());
                    upsert.setLong(2, customer());
                    setTotal(upsert, 3);
                    count(upsert.executeUpdate(), upserts);
                }
                LockSupport.parkNanos(PAUSE_NANOS);
            }
        } catch (SQLException | RuntimeException e) {
            failure = e;
        }
    }

    /** A seeded id, half the time one of the hot ones that every writer keeps coming back to. */
    private long id() {
        return random.nextBoolean()
                ? random.nextLong(1, Math.min(HOT_IDS, seeded) + 1)
                : random.nextLong(1, seeded + 1);
    }

    private long customer() {
        return random.nextLong(1, 1000);
    }

    /** A total in cents as numeric(12, 2); one in twenty is NULL. */
    private void setTotal(PreparedStatement s, int index) throws SQLException {
        if (random.nextInt(20) == 0) {
            s.setNull(index, Types.NUMERIC);
        } else {
            s.setBigDecimal(index, BigDecimal.valueOf(random.nextLong(1, 1_000_000), 2));
        }
    }

    private static void count(int rows, AtomicLong counter) {
        if (rows > 0) {
            counter.incrementAndGet();
        }
    }

    long inserts() {
        return inserts.get();
    }

    long updates() {
        return updates.get();
    }

    long deletes() {
        return deletes.get();
    }

    /** Inserts of a seeded id: of a row deleted before, or else an update of it. */
    long upserts() {
        return upserts.get();
    }

    long writes() {
        return inserts() + updates() + deletes() + upserts();
    }

    /** What stopped this writer early; null when it never failed. */
    Exception failure() {
        return failure;
    }
}
