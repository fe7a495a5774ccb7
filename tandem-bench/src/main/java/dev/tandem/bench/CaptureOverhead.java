package dev.tandem.bench;

import dev.tandem.relay.Moves;
import dev.tandem.relay.Relay;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * What capture costs a writer: one-row UPDATE transactions (autocommit, so one commit each, fsync on)
 * from {@code clients} clients on random rows, for {@code seconds}, without capture and with it,
 * alternated over two rounds so drift on the shared machine falls on both. With capture, a relay
 * delivers meanwhile, as during a move (its work shares the machine's cores with the writers); a
 * third run has capture and no relay, so every statement notifies. Reports transactions per second,
 * the median and p99 latency of each, and the ratio of time per transaction.
 */
final class CaptureOverhead {
    private CaptureOverhead() {}

    static Map<String, Object> measure(RelayServers servers, long rows, int clients, int seconds) throws Exception {
        Store source = servers.newSource("capture_overhead");
        Store target = servers.newTarget("capture_overhead");
        OrdersTable.createAndSeed(source, rows);
        OrdersTable.createAndSeed(target, rows);
        List<double[]> without = new ArrayList<>();
        List<double[]> with = new ArrayList<>();
        List<double[]> idle = new ArrayList<>();
        var from = source.dataSource("capture");
        var to = target.dataSource("capture");
        for (int round = 0; round < 2; round++) {
            without.add(run(source, rows, clients, seconds, round * 3L));
            Moves.prepare(from, to, TandemRelayDelivery.MOVE);
            // As a move runs: a relay delivers the changes while the writers write.
            Relay relay = Relay.builder(from).move(TandemRelayDelivery.MOVE, to).build();
            CompletableFuture<Void> delivering = CompletableFuture.runAsync(
                    () -> {
                        try {
                            relay.run();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    },
                    r -> Thread.ofPlatform().start(r));
            with.add(run(source, rows, clients, seconds, round * 3L + 1));
            relay.stop();
            delivering.join();
            // No relay running: every writing statement notifies.
            idle.add(run(source, rows, clients, seconds, round * 3L + 2));
            Moves.remove(from, to, TandemRelayDelivery.MOVE);
            source.exec("TRUNCATE tandem.outbox");
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("clients", clients);
        r.put("seconds_per_run", seconds);
        r.put("runs_each", 2);
        double tpsWithout = mean(without, 0);
        double tpsWith = mean(with, 0);
        double p50Without = mean(without, 1);
        double p50With = mean(with, 1);
        r.put("without_capture_tps", tpsWithout);
        r.put("with_capture_tps", tpsWith);
        r.put("without_capture_p50_ms", p50Without);
        r.put("with_capture_p50_ms", p50With);
        r.put("without_capture_p99_ms", mean(without, 2));
        r.put("with_capture_p99_ms", mean(with, 2));
        r.put("time_per_transaction_ratio", tpsWithout / tpsWith);
        r.put("p50_added_ms", p50With - p50Without);
        r.put("no_relay_tps", mean(idle, 0));
        r.put("no_relay_p50_ms", mean(idle, 1));
        r.put("no_relay_p99_ms", mean(idle, 2));
        r.put("no_relay_time_per_transaction_ratio", tpsWithout / mean(idle, 0));
        servers.drop(source);
        servers.drop(target);
        return r;
    }

    private static double mean(List<double[]> runs, int i) {
        return runs.stream().mapToDouble(a -> a[i]).average().orElse(0);
    }

    /** One run: {tps, p50 ms, p99 ms}. */
    private static double[] run(Store store, long rows, int clients, int seconds, long seed) {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<CompletableFuture<long[]>> all = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            long s = seed * 100 + c;
            all.add(CompletableFuture.supplyAsync(
                    () -> client(store, rows, end, s), r -> Thread.ofPlatform().start(r)));
        }
        List<Long> latencies = new ArrayList<>();
        all.forEach(f -> Arrays.stream(f.join()).forEach(latencies::add));
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        return new double[] {
            sorted.length / (double) seconds,
            sorted[sorted.length / 2] / 1e6,
            sorted[(int) (sorted.length * 0.99)] / 1e6
        };
    }

    private static long[] client(Store store, long rows, long end, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Long> out = new ArrayList<>();
        try (Connection c = store.dataSource("capture-bench").getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "UPDATE bench_orders SET note = ?, change_no = change_no + 1, updated_at = now() WHERE id = ?")) {
            while (System.nanoTime() < end) {
                ps.setString(1, "n" + random.nextInt(1_000_000));
                ps.setLong(2, 1 + random.nextLong(rows));
                long t = System.nanoTime();
                ps.executeUpdate();
                out.add(System.nanoTime() - t);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }
}
