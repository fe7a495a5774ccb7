package example.orders;

import dev.tandem.client.MigrationHandle;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Requests the service makes to itself, a steady number a second, spread over customers and orders,
 * and a line every two seconds with what they met: each migration's stage, where the order reads and
 * writes went, the errors, and the slowest request. Through a {@code tandem cutover} the slowest write
 * shows the wait at the fence, and the errors stay at zero.
 */
final class Traffic implements AutoCloseable {
    private final Thread[] threads = new Thread[4];
    private final Thread reporter;
    private volatile boolean running = true;
    // Counters of the current two-second period, reset by the reporter.
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong slowestNanos = new AtomicLong();
    private final AtomicLong ordersReadNew = new AtomicLong();
    private final AtomicLong ordersRead = new AtomicLong();
    private volatile String lastError = "";

    private Traffic(int rate, Customers customers, Orders orders, MigrationHandle split, MigrationHandle move) {
        long period = 1_000_000_000L * threads.length / rate;
        for (int i = 0; i < threads.length; i++) {
            threads[i] = Thread.ofPlatform().name("traffic-" + (i + 1)).daemon().unstarted(() -> {
                long due = System.nanoTime();
                while (running) {
                    LockSupport.parkNanos(due - System.nanoTime());
                    due += period;
                    request(customers, orders, move);
                }
            });
        }
        reporter = Thread.ofPlatform().name("traffic-report").daemon().unstarted(() -> {
            while (running) {
                try {
                    Thread.sleep(2_000);
                } catch (InterruptedException e) {
                    return;
                }
                long read = ordersRead.getAndSet(0);
                System.out.printf(
                        "[traffic] %d requests in 2 s | customers: %s | orders: %s, %d%% of reads on the new side,"
                                + " writes %s | %d errors%s | slowest %d ms%n",
                        requests.getAndSet(0),
                        split.stage().wireName(),
                        move.stage().wireName(),
                        read == 0 ? 0 : 100 * ordersReadNew.getAndSet(0) / read,
                        move.writeSide(),
                        errors.getAndSet(0),
                        lastError.isEmpty() ? "" : " (last: " + lastError + ")",
                        slowestNanos.getAndSet(0) / 1_000_000);
                lastError = "";
            }
        });
    }

    static Traffic start(int rate, Customers customers, Orders orders, MigrationHandle split, MigrationHandle move) {
        Traffic t = new Traffic(rate, customers, orders, split, move);
        for (Thread thread : t.threads) {
            thread.start();
        }
        t.reporter.start();
        return t;
    }

    private void request(Customers customers, Orders orders, MigrationHandle move) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long id = random.nextLong(1, 1001);
        String requestId = "traffic-" + Long.toHexString(random.nextLong());
        long start = System.nanoTime();
        try {
            switch (random.nextInt(4)) {
                case 0 -> customers.find(id);
                case 1 -> customers.changeEmail(id, "customer" + id + "+" + random.nextInt(100) + "@example.com");
                case 2 -> {
                    if (move.readSide(Long.toString(id)) == dev.tandem.client.Side.NEW) {
                        ordersReadNew.incrementAndGet();
                    }
                    ordersRead.incrementAndGet();
                    orders.find(id, requestId);
                }
                default -> orders.pay(id, 1 + random.nextInt(500), requestId);
            }
        } catch (Exception e) {
            errors.incrementAndGet();
            lastError = e.toString();
        }
        requests.incrementAndGet();
        slowestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
    }

    @Override
    public void close() {
        running = false;
        reporter.interrupt();
    }
}
