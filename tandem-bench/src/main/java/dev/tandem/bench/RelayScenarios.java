package dev.tandem.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The relay benchmarks' measurements, each on fresh databases: a backlog drained, the same changes
 * delivered live, the commit-to-arrival latency at a steady rate, and the copy of existing rows. The
 * harness writes, waits and checks; a {@link ChangeDelivery} or {@link RowCopy} only moves data.
 *
 * <p>A delivery has caught up when the fence the writer moved last has reached the target (or its
 * listener), and its result counts only when the target then equals the source, row for row. A
 * delivery that fails is reported with its error, and the others still run.
 *
 * <p>Not thread-safe: one benchmark thread.
 */
final class RelayScenarios {
    /** The longest any delivery may take to catch up before its measurement fails. */
    static final Duration DEADLINE = Duration.ofMinutes(20);

    private final RelayServers servers;
    private final RelayBench.Settings settings;
    private final Clock clock;

    RelayScenarios(RelayServers servers, RelayBench.Settings settings, Clock clock) {
        this.servers = servers;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * One backlog, written once on the source with every delivery's capture installed and none running,
     * then drained by each delivery in turn into a target of its own: the same changes for all.
     */
    Map<String, Object> drain(List<ChangeDelivery> deliveries) throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        Map<String, Object> results = new LinkedHashMap<>();
        List<Store> stores = new ArrayList<>();
        List<ChangeDelivery> open = new ArrayList<>();
        try {
            Store source = servers.newSource("drain");
            stores.add(source);
            OrdersTable.createAndSeed(source, settings.seedRows());
            List<Store> targets = new ArrayList<>();
            List<Received> received = new ArrayList<>();
            for (ChangeDelivery d : deliveries) {
                Store target = servers.newTarget("drain_" + d.key());
                stores.add(target);
                targets.add(target);
                OrdersTable.createAndSeed(target, settings.seedRows());
                CatchUp.requireEqual(source, target, "after the seed");
                Received listener = new Received(false);
                received.add(listener);
                d.prepare(source, target, listener);
                open.add(d);
            }
            WorkloadWriter.Written written;
            long fence;
            try (WorkloadWriter writer = WorkloadWriter.open(source, clock)) {
                written = writer.writeAll(RelayWorkload.create(settings.backlog()), WorkloadWriter.CommitLog.NONE);
                fence = writer.fence();
            }
            r.put("backlog", written(written, "with every delivery's capture installed"));
            BenchDb.log("backlog of " + written.changes() + " changes written in "
                    + String.format("%.1f s", written.seconds()));
            String expected = OrdersTable.fingerprint(source);
            for (int i = 0; i < deliveries.size(); i++) {
                ChangeDelivery d = deliveries.get(i);
                Map<String, Object> f = new LinkedHashMap<>();
                try {
                    long t0 = System.nanoTime();
                    d.start();
                    CatchUp.CaughtUp caught = CatchUp.caughtUp(
                            d, source, targets.get(i), received.get(i), fence, written.changes(), expected);
                    double seconds = (caught.at() - t0) / 1e9;
                    f.put("seconds", seconds);
                    f.put("changes_per_second", written.changes() / seconds);
                    if (!d.appliesToTarget()) {
                        Received got = received.get(i);
                        f.put("first_change_after_seconds", (got.firstMicros() - micros(t0)) / 1e6);
                        f.put(
                                "changes_per_second_from_first_change",
                                written.changes() / ((got.lastMicros() - got.firstMicros()) / 1e6));
                    }
                    f.putAll(caught.proof());
                } catch (Exception e) {
                    failed(d, "drain", f, e);
                } finally {
                    open.remove(d);
                    closeAll(List.of(d));
                }
                BenchDb.log(d.name() + ", drain: " + f);
                results.put(d.key(), f);
            }
        } finally {
            closeAll(open);
            stores.forEach(servers::drop);
        }
        r.put("results", results);
        return r;
    }

    /** The backlog's changes written while the delivery runs: first change until the target equals the source. */
    Map<String, Object> live(ChangeDelivery d) throws Exception {
        Map<String, Object> f = new LinkedHashMap<>();
        Store source = servers.newSource("live");
        Store target = servers.newTarget("live_" + d.key());
        Received received = new Received(false);
        try (WorkloadWriter writer = prepared(d, source, target, received, false, f)) {
            long t0 = System.nanoTime();
            WorkloadWriter.Written written =
                    writer.writeAll(RelayWorkload.create(settings.backlog()), WorkloadWriter.CommitLog.NONE);
            long writesDone = System.nanoTime();
            CatchUp.CaughtUp caught =
                    CatchUp.caughtUp(d, source, target, received, writer.fence(), written.changes(), null);
            long seen = caught.at();
            double seconds = (seen - t0) / 1e9;
            f.put("writes", written(written, "while the delivery runs"));
            f.put("seconds", seconds);
            f.put("changes_per_second", written.changes() / seconds);
            f.put("behind_after_last_write_seconds", (seen - writesDone) / 1e9);
            f.putAll(caught.proof());
        } catch (Exception e) {
            failed(d, "live", f, e);
        } finally {
            closeAll(List.of(d));
            servers.drop(source);
            servers.drop(target);
        }
        BenchDb.log(d.name() + ", live: " + f);
        return f;
    }

    /** A steady rate of changes; each change timed from its commit on the source to its arrival. */
    Map<String, Object> latency(ChangeDelivery d) throws Exception {
        Map<String, Object> f = new LinkedHashMap<>();
        Store source = servers.newSource("latency");
        Store target = servers.newTarget("latency_" + d.key());
        Received received = new Received(true);
        RelayWorkload.Settings paced = settings.paced();
        Latency latency = new Latency(paced.changes());
        try (WorkloadWriter writer = prepared(d, source, target, received, true, f)) {
            WorkloadWriter.Written written =
                    writer.writePaced(RelayWorkload.create(paced), settings.rate(), latency::committed);
            CatchUp.CaughtUp caught =
                    CatchUp.caughtUp(d, source, target, received, writer.fence(), written.changes(), null);
            f.put("writes", written(written, "paced at " + settings.rate() + " changes/s"));
            f.putAll(caught.proof());
            if (d.appliesToTarget()) {
                arrivals(target, latency);
            } else {
                received.replay(latency);
            }
            f.putAll(latency.figures());
        } catch (Exception e) {
            failed(d, "latency", f, e);
        } finally {
            closeAll(List.of(d));
            servers.drop(source);
            servers.drop(target);
        }
        BenchDb.log(d.name() + ", latency: " + f);
        return f;
    }

    /** The rows of a freshly seeded table copied into an empty one on the target. */
    Map<String, Object> copy(RowCopy copy) throws Exception {
        Map<String, Object> f = new LinkedHashMap<>();
        Store source = servers.newSource("copy");
        Store target = servers.newTarget("copy_" + copy.key());
        try {
            // Rows 0..n-1: n rows.
            OrdersTable.createAndSeed(source, settings.copyRows() - 1);
            target.exec(OrdersTable.CREATE);
            source.exec("CHECKPOINT");
            target.exec("CHECKPOINT");
            long bytes = Long.parseLong(source.query("SELECT pg_table_size('bench_orders')"));
            long t0 = System.nanoTime();
            copy.copy(source, target);
            double seconds = (System.nanoTime() - t0) / 1e9;
            f.put("rows", settings.copyRows());
            f.put("seconds", seconds);
            f.put("rows_per_second", settings.copyRows() / seconds);
            f.put("table_mb", bytes / 1e6);
            f.put("mb_per_second", bytes / 1e6 / seconds);
            CatchUp.requireEqual(source, target, "after the copy");
            f.put("target_equals_source", "yes");
        } catch (Exception e) {
            f.put("error", String.valueOf(e.getMessage()));
            BenchDb.log(copy.name() + " failed: " + e);
        } finally {
            servers.drop(source);
            servers.drop(target);
        }
        BenchDb.log(copy.name() + ": " + f);
        return f;
    }

    /**
     * Seeds both stores, prepares and starts the delivery, and waits for a first fence so that what
     * follows measures a running delivery, not its start. With {@code arrivals}, the target logs each
     * change's arrival (a delivery that applies to it). Returns the writer, ready.
     */
    private WorkloadWriter prepared(
            ChangeDelivery d, Store source, Store target, Received received, boolean arrivals, Map<String, Object> f)
            throws Exception {
        OrdersTable.createAndSeed(source, settings.seedRows());
        OrdersTable.createAndSeed(target, settings.seedRows());
        CatchUp.requireEqual(source, target, "after the seed");
        if (arrivals && d.appliesToTarget()) {
            target.exec(OrdersTable.ARRIVALS);
        }
        d.prepare(source, target, received);
        WorkloadWriter writer = WorkloadWriter.open(source, clock);
        long t = System.nanoTime();
        d.start();
        CatchUp.awaitFence(d, target, received, writer.fence());
        f.put("start_to_running_seconds", (System.nanoTime() - t) / 1e9);
        return writer;
    }

    private static void arrivals(Store target, Latency latency) throws Exception {
        try (Connection c = target.connect("bench-arrivals")) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(OrdersTable.ARRIVED)) {
                ps.setFetchSize(10_000);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        latency.arrived(rs.getLong(1), rs.getLong(2), rs.getLong(3));
                    }
                }
            }
        }
    }

    private static Map<String, Object> written(WorkloadWriter.Written w, String how) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("how", how);
        f.put("transactions", w.transactions());
        f.put("changes", w.changes());
        f.put("seconds", w.seconds());
        f.put("changes_per_second", w.changesPerSecond());
        f.put("commit_p50_ms", w.commitP50Ms());
        f.put("commit_p99_ms", w.commitP99Ms());
        return f;
    }

    private static void failed(ChangeDelivery d, String scenario, Map<String, Object> f, Exception e) {
        f.put("error", String.valueOf(e.getMessage()));
        BenchDb.log(d.name() + ", " + scenario + " failed: " + e);
    }

    private static void closeAll(List<ChangeDelivery> open) {
        for (ChangeDelivery d : open) {
            try {
                d.close();
            } catch (Exception e) {
                BenchDb.log("could not close " + d.name() + ": " + e.getMessage());
            }
        }
    }

    /** A System.nanoTime reading as wall-clock microseconds, for comparing with a delivery's times. */
    private long micros(long nanoTime) {
        return WorkloadWriter.micros(clock.instant()) - (System.nanoTime() - nanoTime) / 1000;
    }
}
