package dev.tandem.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The benchmark of verification (issue 11), each figure against baselines from the same run on the same
 * tables: tandem's {@code compareTables} against pg_comparator ({@link VerifyComparator}) and against
 * hashing every row of both sides at once ({@link VerifyHash}), on identical tables and with ten planted
 * drifted keys; the drill-down's streaming rate; and a live workload's latency with and without
 * verification ({@link VerifyLive}). Everything runs on a private PostgreSQL 15 cluster ({@link
 * VerifyCluster}) with fsync on, the two stores being two of its databases.
 */
final class VerifyBench {
    /**
     * The sizes of a run.
     *
     * @param sizes rows of each table compared
     * @param repeats runs of each tool on the identical tables, per size (the median is the figure)
     * @param driftRepeats runs of each tool with the planted drift, per size
     * @param parallelism the verifier's segments in flight per store
     * @param live the live workload
     * @param controlRate the write rate of a second live run, one this shared machine keeps up with even
     *     when the target's rate is beyond it; 0 for none
     */
    record Settings(
            List<Long> sizes,
            int repeats,
            int driftRepeats,
            int parallelism,
            VerifyLive.Settings live,
            int controlRate) {
        static final Settings FULL = new Settings(
                List.of(1_000_000L, 10_000_000L), 3, 2, 2, new VerifyLive.Settings(1_000_000, 2_000, 16, 20), 1_000);
        static final Settings QUICK =
                new Settings(List.of(200_000L), 1, 1, 2, new VerifyLive.Settings(100_000, 2_000, 16, 5), 1_000);

        Settings withSizes(List<Long> s) {
            return new Settings(s, repeats, driftRepeats, parallelism, live, controlRate);
        }

        Settings withRate(int rate) {
            return new Settings(sizes, repeats, driftRepeats, parallelism, live.withRate(rate), controlRate);
        }
    }

    /** The parts of the suite; {@code --verify-parts} runs some of them. */
    static final List<String> PARTS = List.of("identical", "drift", "drilldown", "live");

    /** Rows per drifted key of the drill-down run: one in each of the verifier's fine ranges. */
    static final long SPREAD = 10_000;

    private VerifyBench() {}

    static Map<String, Object> run(Settings s, List<String> parts) throws Exception {
        if (!PARTS.containsAll(parts)) {
            throw new IllegalArgumentException("--verify-parts takes " + String.join(", ", PARTS) + ", not " + parts);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        long t = System.nanoTime();
        r.put("load_average_at_start", ClientBench.loadAverage());
        try (VerifyCluster cluster = VerifyCluster.start()) {
            r.put("postgres", cluster.settings());
            r.put(
                    "pg_comparator",
                    VerifyComparator.EXECUTABLE + " "
                            + VerifyComparator.url(new Store("old", cluster.port(), "verify_old"), "customers_N") + " "
                            + VerifyComparator.url(new Store("new", cluster.port(), "verify_new"), "customers_N"));
            r.put("parallelism", (long) s.parallelism());
            List<Long> sizes = parts.stream().anyMatch(List.of("identical", "drift", "drilldown")::contains)
                    ? s.sizes()
                    : List.of();
            if (!sizes.isEmpty()) {
                Store old = cluster.create("verify_old");
                for (long n : sizes) {
                    VerifyTables.load(old, n);
                }
                Store neu = cluster.copy(old, "verify_new");
                VerifyTandem tandem = new VerifyTandem(old, neu, s.parallelism());
                List<Map<String, Object>> bySize = new ArrayList<>();
                for (long n : sizes) {
                    bySize.add(size(s, parts, old, neu, tandem, n));
                }
                r.put("sizes", bySize);
                cluster.drop(old);
                cluster.drop(neu);
            }
            if (parts.contains("live")) {
                r.put("live", VerifyLive.run(cluster, s.live(), s.parallelism()));
                if (s.controlRate() > 0) {
                    r.put("live_control", VerifyLive.run(cluster, s.live().withRate(s.controlRate()), s.parallelism()));
                }
            }
        }
        r.put("load_average_at_end", ClientBench.loadAverage());
        r.put("total_seconds", (System.nanoTime() - t) / 1e9);
        return r;
    }

    private static Map<String, Object> size(
            Settings s, List<String> parts, Store old, Store neu, VerifyTandem tandem, long n) throws Exception {
        String table = VerifyTables.name(n);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("rows", n);
        r.put("table", table);
        r.put("load_average_at_start", ClientBench.loadAverage());
        // Once before anything is timed: every tool then reads both tables from the same warm caches.
        VerifyHash.run(old, neu, table);
        if (parts.contains("identical")) {
            r.put("identical", identical(s, old, neu, tandem, table, n));
        }
        if (parts.contains("drift")) {
            r.put("drift", drift(s, old, neu, tandem, table, n));
        }
        if (parts.contains("drilldown")) {
            r.put("drilldown", drilldown(old, neu, tandem, table, n));
        }
        r.put("load_average_at_end", ClientBench.loadAverage());
        return r;
    }

    private static Map<String, Object> identical(
            Settings s, Store old, Store neu, VerifyTandem tandem, String table, long n) throws Exception {
        List<Map<String, Object>> hash = new ArrayList<>();
        List<Map<String, Object>> comparator = new ArrayList<>();
        List<Map<String, Object>> ours = new ArrayList<>();
        String method = null;
        for (int i = 0; i < s.repeats(); i++) {
            BenchDb.log("verify: " + table + " identical, round " + (i + 1) + " of " + s.repeats());
            VerifyHash.Run h = VerifyHash.run(old, neu, table);
            require(h.equal(), () -> "the hash sums of " + table + " differ on identical tables");
            hash.add(h.figures(n));
            VerifyComparator.Run c = VerifyComparator.run(old, neu, table);
            require(c.diffs().isEmpty(), () -> "pg_comparator reported differences on identical tables: " + c.diffs());
            comparator.add(c.figures(n));
            VerifyTandem.Run v = tandem.compare(table, neu, table);
            require(
                    v.verification().passed() && v.verification().driftRows() == 0,
                    () -> "tandem reported drift on identical tables: "
                            + v.verification().drift());
            ours.add(v.figures(n));
            method = v.verification().method();
            BenchDb.log(String.format(
                    "verify: %s hash %.1f s, pg_comparator %.1f s, tandem %.1f s",
                    table, h.seconds(), c.seconds(), v.seconds()));
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("hash_both_sides", summary(hash));
        r.put("pg_comparator", summary(comparator));
        r.put("tandem", summary(ours));
        double t = median(ours, "rows_per_second");
        r.put("tandem_to_pg_comparator", t / median(comparator, "rows_per_second"));
        r.put("tandem_to_hash_both_sides", t / median(hash, "rows_per_second"));
        r.put("method", method);
        return r;
    }

    private static Map<String, Object> drift(
            Settings s, Store old, Store neu, VerifyTandem tandem, String table, long n) throws Exception {
        VerifyTables.Drift planted = VerifyTables.plant(neu, n, n);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("planted", planted.describe());
        try {
            Map<String, String> expected = new LinkedHashMap<>();
            planted.changed().forEach(k -> expected.put(Long.toString(k), "changed"));
            expected.put(Long.toString(planted.missing()), "missing_on_new");
            expected.put(Long.toString(planted.extra()), "extra_on_new");
            List<Map<String, Object>> comparator = new ArrayList<>();
            List<Map<String, Object>> ours = new ArrayList<>();
            for (int i = 0; i < s.driftRepeats(); i++) {
                BenchDb.log("verify: " + table + " with 10 drifted keys, round " + (i + 1) + " of " + s.driftRepeats());
                VerifyComparator.Run c = VerifyComparator.run(old, neu, table);
                Map<String, Object> cf = c.figures(n);
                cf.putAll(found(
                        expected,
                        c.diffs().stream()
                                .collect(Collectors.toMap(
                                        VerifyComparator.Diff::key, d -> comparatorKind(d.kind()), (a, b) -> a))));
                comparator.add(cf);
                VerifyTandem.Run v = tandem.compare(table, neu, table);
                Map<String, Object> vf = v.figures(n);
                vf.putAll(found(expected, v.reported()));
                ours.add(vf);
                BenchDb.log(String.format(
                        "verify: %s drift: pg_comparator %.1f s (%s of 10), tandem %.1f s (%s of 10)",
                        table, c.seconds(), cf.get("keys_found"), v.seconds(), vf.get("keys_found")));
            }
            r.put("pg_comparator", summary(comparator));
            r.put("tandem", summary(ours));
            r.put("tandem_seconds_to_pg_comparator", median(ours, "seconds") / median(comparator, "seconds"));
        } finally {
            VerifyTables.heal(neu, n, planted);
        }
        return r;
    }

    /**
     * One changed row in every {@link #SPREAD} rows, so that nearly every fine range differs and the
     * drill-down streams nearly the whole table: its rate is then measured over seconds, not milliseconds.
     */
    private static Map<String, Object> drilldown(Store old, Store neu, VerifyTandem tandem, String table, long n) {
        BenchDb.log("verify: " + table + " drill-down, one drifted key in every " + SPREAD + " rows");
        String where = " WHERE id % " + SPREAD + " = " + SPREAD / 2;
        neu.exec("UPDATE " + table + " SET amount = amount + 0.01" + where);
        try {
            VerifyTandem.Run v = tandem.compare(table, neu, table);
            Map<String, Object> r = v.figures(n);
            long planted = n / SPREAD;
            r.put("drifted_keys_planted", planted);
            r.put("all_found", String.valueOf(!v.failed() && v.verification().driftRows() == planted));
            return r;
        } finally {
            neu.exec("UPDATE " + table + " SET amount = amount - 0.01" + where, "VACUUM " + table);
        }
    }

    private static String comparatorKind(String kind) {
        return switch (kind) {
            case "UPDATE" -> "changed";
            case "INSERT" -> "missing_on_new";
            case "DELETE" -> "extra_on_new";
            default -> kind;
        };
    }

    /** How many planted keys a tool found with the right kind, which it missed, and what else it named. */
    private static Map<String, Object> found(Map<String, String> expected, Map<String, String> reported) {
        Set<String> missed = new TreeSet<>();
        long found = 0;
        for (Map.Entry<String, String> e : expected.entrySet()) {
            if (e.getValue().equals(reported.get(e.getKey()))) {
                found++;
            } else {
                missed.add(e.getKey() + " (" + e.getValue() + ", reported " + reported.get(e.getKey()) + ")");
            }
        }
        Set<String> unexpected = new TreeSet<>(reported.keySet());
        unexpected.removeAll(expected.keySet());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("keys_found", found);
        m.put("keys_missed", List.copyOf(missed));
        m.put("keys_not_planted", List.copyOf(unexpected));
        return m;
    }

    /** The runs, and the median of each figure. */
    private static Map<String, Object> summary(List<Map<String, Object>> runs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("median_seconds", median(runs, "seconds"));
        m.put("median_rows_per_second", median(runs, "rows_per_second"));
        m.put("runs", runs);
        return m;
    }

    /** The median over the runs that have the figure (a failed run has none); NaN when none has it. */
    static double median(List<Map<String, Object>> runs, String figure) {
        List<Double> values = runs.stream()
                .filter(m -> m.get(figure) instanceof Number)
                .map(m -> ((Number) m.get(figure)).doubleValue())
                .sorted(Comparator.naturalOrder())
                .toList();
        int k = values.size();
        if (k == 0) {
            return Double.NaN;
        }
        return k % 2 == 1 ? values.get(k / 2) : (values.get(k / 2 - 1) + values.get(k / 2)) / 2;
    }

    private static void require(boolean condition, Supplier<String> message) {
        if (!condition) {
            throw new IllegalStateException(message.get());
        }
    }
}
