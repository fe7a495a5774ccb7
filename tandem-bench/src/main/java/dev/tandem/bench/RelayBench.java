package dev.tandem.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The relay benchmarks: the same changes delivered from a source PostgreSQL to a target PostgreSQL by
 * each registered {@link ChangeDelivery}, and the same existing rows copied by each {@link RowCopy}, on
 * two servers of their own with fsync on. The baselines are PostgreSQL's logical replication, Debezium's
 * embedded engine (reading only) and a COPY pipe; every candidate is reported as a ratio against each
 * baseline measured in the same run.
 */
final class RelayBench {
    /** Builds a delivery for one measurement, given the clock every time is read from. */
    interface DeliveryFactory extends Function<Clock, ChangeDelivery> {}

    static final List<DeliveryFactory> BASELINES =
            List.of(clock -> new LogicalReplicationDelivery(), DebeziumDelivery::new);

    /**
     * The deliveries measured against the baselines: tandem's relay. Each candidate gets a column of its
     * own in the report, with its ratio to each baseline. Candidates on one source must use moves of
     * their own: a move's outbox is drained by whoever delivers it.
     */
    static final List<DeliveryFactory> CANDIDATES = List.of(clock -> new TandemRelayDelivery(1));

    static final List<RowCopy> COPY_BASELINES = List.of(new CopyPipe());

    /** Row copies measured against the COPY pipe: tandem's copy of a move's existing rows. */
    static final List<RowCopy> COPY_CANDIDATES = List.of(new TandemCopy());

    /**
     * The sizes of a run.
     *
     * @param seedRows rows on both sides before any change
     * @param changes the backlog's changes (drain and live)
     * @param transactionSize changes per transaction
     * @param seed the workload generator's seed
     * @param rate changes per second in the latency run
     * @param seconds how long the latency run writes
     * @param copyRows rows copied
     */
    record Settings(long seedRows, long changes, int transactionSize, long seed, int rate, int seconds, long copyRows) {
        static final Settings FULL = new Settings(1_000_000, 1_000_000, 100, 20_260_401, 5_000, 60, 10_000_000);
        static final Settings QUICK = new Settings(50_000, 50_000, 100, 20_260_401, 5_000, 10, 200_000);

        Settings {
            if (rate < 1 || seconds < 1 || copyRows < 1) {
                throw new IllegalArgumentException(
                        "rate, seconds and copy rows must be positive: " + rate + ", " + seconds + ", " + copyRows);
            }
            backlog(seedRows, changes, transactionSize, seed);
        }

        RelayWorkload.Settings backlog() {
            return backlog(seedRows, changes, transactionSize, seed);
        }

        RelayWorkload.Settings paced() {
            return new RelayWorkload.Settings(seedRows, (long) rate * seconds, transactionSize, seed + 1);
        }

        private static RelayWorkload.Settings backlog(long seedRows, long changes, int size, long seed) {
            return new RelayWorkload.Settings(seedRows, changes, size, seed);
        }

        Settings withChanges(long n) {
            return new Settings(Math.max(seedRows, n), n, transactionSize, seed, rate, seconds, copyRows);
        }

        Settings withRate(int r) {
            return new Settings(seedRows, changes, transactionSize, seed, r, seconds, copyRows);
        }

        Settings withSeconds(int s) {
            return new Settings(seedRows, changes, transactionSize, seed, rate, s, copyRows);
        }

        Settings withCopyRows(long n) {
            return new Settings(seedRows, changes, transactionSize, seed, rate, seconds, n);
        }
    }

    /** What a ratio compares: a scenario's figure, and whether more of it is better. */
    record Figure(String scenario, String key, String label, boolean higherIsBetter) {}

    static final List<Figure> FIGURES = List.of(
            new Figure("drain", "changes_per_second", "drain a backlog, changes/s", true),
            new Figure("live", "changes_per_second", "live, first change to target equal, changes/s", true),
            new Figure("latency", "p50_ms", "COMMIT sent to arrival p50, ms", false),
            new Figure("latency", "p99_ms", "COMMIT sent to arrival p99, ms", false),
            new Figure("latency", "from_commit_returned_p50_ms", "COMMIT returned to arrival p50, ms", false),
            new Figure("latency", "from_commit_returned_p99_ms", "COMMIT returned to arrival p99, ms", false));

    private RelayBench() {}

    /**
     * The parts of the relay suite; {@code --relay-parts} runs some of them (a partial report, for work
     * on one figure: without {@code baselines}, only tandem's side runs and no ratio is reported).
     */
    static final List<String> PARTS = List.of("capture", "drain", "live", "latency", "copy", "baselines");

    static Map<String, Object> run(Settings settings) throws Exception {
        return run(settings, PARTS);
    }

    static Map<String, Object> run(Settings settings, List<String> parts) throws Exception {
        if (!PARTS.containsAll(parts)) {
            throw new IllegalArgumentException("--relay-parts takes " + String.join(", ", PARTS) + ", not " + parts);
        }
        Clock clock = Clock.systemUTC();
        Map<String, Object> r = new LinkedHashMap<>();
        long t = System.nanoTime();
        r.put("load_average_at_start", loadAverage());
        try (RelayServers servers = RelayServers.start()) {
            r.put("postgres", servers.settings());
            r.put("sizes", sizes(settings));
            if (parts.contains("capture")) {
                r.put(
                        "capture_overhead",
                        CaptureOverhead.measure(servers, settings.seedRows(), 4, settings.seconds() / 2));
            }
            RelayScenarios scenarios = new RelayScenarios(servers, settings, clock);
            List<Map<String, Object>> deliveries = new ArrayList<>();
            List<DeliveryFactory> all = new ArrayList<>(parts.contains("baselines") ? BASELINES : List.of());
            all.addAll(CANDIDATES);
            for (DeliveryFactory factory : all) {
                ChangeDelivery d = factory.apply(clock);
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("key", d.key());
                e.put("name", d.name());
                e.put("role", CANDIDATES.contains(factory) ? "candidate" : "baseline");
                e.put("applies_to_target", d.appliesToTarget() ? "yes" : "no (reads only)");
                deliveries.add(e);
            }
            r.put("deliveries", deliveries);

            List<ChangeDelivery> draining = all.stream()
                    .map(f -> f.apply(clock))
                    .filter(d -> d.scenarios().contains(ChangeDelivery.Scenario.DRAIN))
                    .toList();
            r.put("drain", parts.contains("drain") ? scenarios.drain(draining) : Map.of("results", Map.of()));
            Map<String, Object> live = new LinkedHashMap<>();
            Map<String, Object> latency = new LinkedHashMap<>();
            for (DeliveryFactory factory : all) {
                ChangeDelivery d = factory.apply(clock);
                if (parts.contains("live") && d.scenarios().contains(ChangeDelivery.Scenario.LIVE)) {
                    live.put(d.key(), scenarios.live(d));
                }
            }
            for (DeliveryFactory factory : all) {
                ChangeDelivery d = factory.apply(clock);
                if (parts.contains("latency") && d.scenarios().contains(ChangeDelivery.Scenario.LATENCY)) {
                    latency.put(d.key(), scenarios.latency(d));
                }
            }
            r.put("live", Map.of("results", live));
            r.put("latency", Map.of("results", latency));
            List<Map<String, Object>> copies = new ArrayList<>();
            List<RowCopy> copiers = new ArrayList<>(parts.contains("baselines") ? COPY_BASELINES : List.of());
            copiers.addAll(COPY_CANDIDATES);
            for (RowCopy copy : parts.contains("copy") ? copiers : List.<RowCopy>of()) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("key", copy.key());
                c.put("name", copy.name());
                c.put("role", COPY_CANDIDATES.contains(copy) ? "candidate" : "baseline");
                c.putAll(scenarios.copy(copy));
                copies.add(c);
            }
            r.put("copy", copies);
            r.put("ratios", ratios(r, copies));
        }
        r.put("load_average_at_end", loadAverage());
        r.put("total_seconds", (System.nanoTime() - t) / 1e9);
        return r;
    }

    /**
     * The 1, 5 and 15 minute load averages: the machine is shared, and a figure taken under another
     * job's load says so here.
     */
    private static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static Map<String, Object> sizes(Settings s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seed_rows", s.seedRows());
        m.put("backlog_changes", s.changes());
        m.put("mix", "1/2 updates, 1/4 inserts, 1/4 deletes");
        m.put("transaction_size", (long) s.transactionSize());
        m.put("workload_seed", s.seed());
        m.put("paced_changes_per_second", (long) s.rate());
        m.put("paced_seconds", (long) s.seconds());
        m.put("copy_rows", s.copyRows());
        return m;
    }

    /** Each candidate's figure divided by each baseline's, for every figure both have. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> ratios(Map<String, Object> report, List<Map<String, Object>> copies) {
        List<Map<String, Object>> ratios = new ArrayList<>();
        List<Map<String, Object>> deliveries = (List<Map<String, Object>>) report.get("deliveries");
        for (Map<String, Object> candidate : deliveries) {
            if (!candidate.get("role").equals("candidate")) {
                continue;
            }
            for (Map<String, Object> baseline : deliveries) {
                if (!baseline.get("role").equals("baseline")) {
                    continue;
                }
                for (Figure f : FIGURES) {
                    Double c = figure(report, f, candidate.get("key"));
                    Double b = figure(report, f, baseline.get("key"));
                    if (c != null && b != null) {
                        ratios.add(ratio(candidate, baseline, f.label(), c / b, f.higherIsBetter()));
                    }
                }
            }
        }
        for (Map<String, Object> candidate : copies) {
            for (Map<String, Object> baseline : copies) {
                if (candidate.get("role").equals("candidate")
                        && baseline.get("role").equals("baseline")
                        && candidate.get("rows_per_second") instanceof Double c
                        && baseline.get("rows_per_second") instanceof Double b) {
                    ratios.add(ratio(candidate, baseline, "copy existing rows, rows/s", c / b, true));
                }
            }
        }
        return ratios;
    }

    @SuppressWarnings("unchecked")
    static Double figure(Map<String, Object> report, Figure f, Object key) {
        Map<String, Object> scenario = (Map<String, Object>) report.get(f.scenario());
        Map<String, Object> results = scenario == null ? null : (Map<String, Object>) scenario.get("results");
        Map<String, Object> figures = results == null ? null : (Map<String, Object>) results.get(key);
        return figures != null && figures.get(f.key()) instanceof Double d ? d : null;
    }

    private static Map<String, Object> ratio(
            Map<String, Object> candidate, Map<String, Object> baseline, String figure, double ratio, boolean higher) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("candidate", candidate.get("key"));
        m.put("baseline", baseline.get("key"));
        m.put("figure", figure);
        m.put("ratio", ratio);
        m.put("better_when", higher ? "above 1" : "below 1");
        return m;
    }
}
