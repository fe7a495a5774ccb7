package dev.tandem.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.client.MigrationHandle;
import dev.tandem.client.Tandem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How long a flag change takes to reach every client: many {@link Tandem} instances, each with a pool
 * of its own as separate service instances would have, watch one migration; each round changes its
 * {@code reads_new} flag (one transaction that writes {@code tandem.flags} and notifies {@code
 * tandem_state}, as {@code tandem flag} does) and times, per instance, from just before the change was
 * sent until the instance's handle shows the new value (its listener fires on the watch thread once
 * the new state is in place).
 */
final class FlagPropagation {
    /**
     * @param clients Tandem instances
     * @param rounds flag changes
     * @param pauseMillis the pause between rounds (a random share of it more, so that rounds do not line
     *     up with the clients' one-second polls)
     */
    record Settings(int clients, int rounds, int pauseMillis) {}

    private FlagPropagation() {}

    static Map<String, Object> run(ClientInStore store, Settings s) throws Exception {
        List<HikariDataSource> pools = new ArrayList<>();
        List<Tandem> clients = new ArrayList<>();
        Map<String, Object> r = new LinkedHashMap<>();
        try {
            store.setFlags(0, "old");
            // Per round: the value expected, the latch of the instances still to see it, and when each saw it.
            int[] expected = {0};
            CountDownLatch[] latch = {new CountDownLatch(0)};
            AtomicLongArray seen = new AtomicLongArray(s.clients());
            for (int i = 0; i < s.clients(); i++) {
                HikariDataSource pool = store.pool("flag-client-" + (i + 1), 2, 1);
                pools.add(pool);
                Tandem tandem = Tandem.connect()
                        .service("customers")
                        .instance("bench-" + (i + 1))
                        .dataSource(pool)
                        .build();
                clients.add(tandem);
                MigrationHandle handle = tandem.migration(ClientInStore.ID);
                int index = i;
                tandem.addListener(id -> {
                    long now = System.nanoTime();
                    synchronized (expected) {
                        if (id.equals(ClientInStore.ID)
                                && handle.readsNewPercent() == expected[0]
                                && seen.compareAndSet(index, 0, now)) {
                            latch[0].countDown();
                        }
                    }
                });
            }
            Timings all = new Timings(s.clients() * s.rounds());
            Timings slowest = new Timings(s.rounds());
            Timings commits = new Timings(s.rounds());
            long missed = 0;
            for (int round = 0; round < s.rounds(); round++) {
                int value = round % 9 * 10 + 10;
                CountDownLatch done = new CountDownLatch(s.clients());
                synchronized (expected) {
                    expected[0] = value;
                    latch[0] = done;
                    for (int i = 0; i < s.clients(); i++) {
                        seen.set(i, 0);
                    }
                }
                long t0 = System.nanoTime();
                commits.add(store.setFlags(value, "old"));
                if (!done.await(10, TimeUnit.SECONDS)) {
                    missed += done.getCount();
                }
                long worst = 0;
                for (int i = 0; i < s.clients(); i++) {
                    long at = seen.get(i);
                    if (at != 0) {
                        all.add(at - t0);
                        worst = Math.max(worst, at - t0);
                    }
                }
                slowest.add(worst);
                Thread.sleep(Duration.ofMillis(
                        s.pauseMillis() + ThreadLocalRandom.current().nextInt(s.pauseMillis() + 1)));
            }
            r.put("clients", (long) s.clients());
            r.put("rounds", (long) s.rounds());
            r.put("per_client", all.millis());
            r.put("slowest_client_per_round", slowest.millis());
            r.put("flag_commit", commits.millis());
            r.put("not_seen_within_10_s", missed);
        } finally {
            clients.forEach(Tandem::close);
            pools.forEach(HikariDataSource::close);
        }
        return r;
    }
}
