package dev.tandem.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs tandem's benchmarks on the embedded PostgreSQL 17 and writes {@code bench/results/latest.json}
 * and {@code bench/results/latest.md}. Every figure with a baseline is reported as a ratio against a
 * baseline measured in the same run.
 *
 * <p>Arguments: {@code --sizes 100000,1000000,10000000} {@code --out bench/results} {@code --quick}
 * (small sizes and short runs, to check the harness).
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        List<Long> sizes = List.of(100_000L, 1_000_000L, 10_000_000L);
        Path out = Path.of("bench/results");
        boolean quick = false;
        String only = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--sizes" ->
                    sizes = java.util.Arrays.stream(args[++i].split(","))
                            .map(Long::parseLong)
                            .toList();
                case "--out" -> out = Path.of(args[++i]);
                case "--quick" -> quick = true;
                case "--only" -> only = args[++i];
                default ->
                    throw new IllegalArgumentException(
                            "unknown argument " + args[i] + "; expected --sizes, --out, --only or --quick");
            }
        }
        if (quick) {
            sizes = List.of(20_000L, 100_000L);
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("when", Instant.now().toString());
        report.put(
                "machine",
                Runtime.getRuntime().availableProcessors() + " cores, java " + System.getProperty("java.version"));
        report.put(
                "postgres", "embedded PostgreSQL 17 (zonky), fsync off, synchronous_commit off, shared_buffers 512MB");

        BenchDb db = new BenchDb("bench");
        List<String> parts = only == null ? List.of("backfill", "overhead", "live") : List.of(only.split(","));
        if (!List.of("backfill", "overhead", "live").containsAll(parts)) {
            throw new IllegalArgumentException(
                    "--only takes backfill, overhead or live (or a list of them), not " + only);
        }
        if (parts.contains("backfill")) {
            List<Map<String, Object>> backfill = new ArrayList<>();
            for (long n : sizes) {
                backfill.add(BackfillBench.run(db, BackfillBench.ADD_COLUMN, n));
                backfill.add(BackfillBench.run(db, BackfillBench.ALTER_TYPE, n));
            }
            report.put("backfill", backfill);
        }
        if (parts.contains("overhead")) {
            report.put("trigger_overhead", TriggerOverheadBench.run(db, quick ? 100_000 : 1_000_000, 5));
        }
        if (parts.contains("live")) {
            report.put("live_workload", live(db, quick));
        }
        Files.createDirectories(out);
        Files.writeString(out.resolve("latest.json"), json(report));
        Files.writeString(out.resolve("latest.md"), Markdown.render(report, sizes));
        BenchDb.log("wrote " + out.resolve("latest.json") + " and " + out.resolve("latest.md"));
        System.exit(0);
    }

    private static List<Map<String, Object>> live(BenchDb db, boolean quick) throws Exception {
        LiveWorkloadBench.Settings live =
                quick ? new LiveWorkloadBench.Settings(2, 4, 15, 3) : new LiveWorkloadBench.Settings(10, 4, 40, 5);
        Map<String, Object> baseline = LiveWorkloadBench.run(db, live, null);
        Map<String, Object> complete = LiveWorkloadBench.run(db, live, "complete");
        Map<String, Object> rollback = LiveWorkloadBench.run(db, live, "rollback");
        for (Map<String, Object> run : List.of(complete, rollback)) {
            run.put("tps_ratio_to_baseline", (double) run.get("tps") / (double) baseline.get("tps"));
            run.put("p99_ratio_to_baseline", (double) run.get("p99_ms") / (double) baseline.get("p99_ms"));
        }
        return List.of(baseline, complete, rollback);
    }

    static String json(Object value) throws IOException {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(w).useDefaultPrettyPrinter()) {
            write(g, value);
        }
        return w + "\n";
    }

    private static void write(JsonGenerator g, Object value) throws IOException {
        switch (value) {
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    g.writeFieldName(e.getKey().toString());
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case List<?> l -> {
                g.writeStartArray();
                for (Object o : l) {
                    write(g, o);
                }
                g.writeEndArray();
            }
            case Double d -> g.writeNumber(Double.parseDouble(String.format(Locale.ROOT, "%.4f", d)));
            case Number n -> g.writeNumber(n.longValue());
            default -> g.writeString(String.valueOf(value));
        }
    }
}
