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
 * (small sizes and short runs, to check the harness), {@code --only backfill,overhead,live,relay}. The
 * relay suite runs only when named ({@code --only relay}): it starts servers of its own with fsync on,
 * and takes its sizes from {@code --changes} (the backlog), {@code --rate} and {@code --seconds} (the
 * latency run) and {@code --copy-rows}, which {@code --quick} makes small unless they are given; {@code --relay-parts
 * capture,drain,live,latency,copy,baselines} runs some of its parts. The client suite ({@code --only client
 * --out bench/results/client}) measures {@code tandem-client}; {@code --client-parts shadow,cutover,checkout,flags}
 * runs some of its parts, and {@code --rate} sets its cutover run's writes per second. The verification
 * suite ({@code --only verify --out bench/results/verify}) starts a PostgreSQL 15 cluster of its own and
 * compares tables of {@code --sizes} rows (default 1M and 10M) against pg_comparator; {@code --verify-parts
 * identical,drift,drilldown,live} runs some of its parts, and {@code --rate} sets its live workload's writes per second.
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        List<Long> sizes = List.of(100_000L, 1_000_000L, 10_000_000L);
        Path out = Path.of("bench/results");
        boolean quick = false;
        boolean sizesGiven = false;
        String only = null;
        Long changes = null;
        Integer rate = null;
        Integer seconds = null;
        Long copyRows = null;
        List<String> relayParts = RelayBench.PARTS;
        List<String> clientParts = ClientBench.PARTS;
        List<String> verifyParts = VerifyBench.PARTS;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--changes" -> changes = Long.parseLong(args[++i]);
                case "--rate" -> rate = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--copy-rows" -> copyRows = Long.parseLong(args[++i]);
                case "--sizes" -> {
                    sizes = java.util.Arrays.stream(args[++i].split(","))
                            .map(Long::parseLong)
                            .toList();
                    sizesGiven = true;
                }
                case "--out" -> out = Path.of(args[++i]);
                case "--quick" -> quick = true;
                case "--only" -> only = args[++i];
                case "--relay-parts" -> relayParts = List.of(args[++i].split(","));
                case "--client-parts" -> clientParts = List.of(args[++i].split(","));
                case "--verify-parts" -> verifyParts = List.of(args[++i].split(","));
                default ->
                    throw new IllegalArgumentException(
                            "unknown argument " + args[i] + "; expected --sizes, --out, --only, --quick, --changes,"
                                    + " --rate, --seconds, --copy-rows, --relay-parts, --client-parts or --verify-parts");
            }
        }
        if (quick && !sizesGiven) {
            sizes = List.of(20_000L, 100_000L);
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("when", Instant.now().toString());
        report.put(
                "machine",
                Runtime.getRuntime().availableProcessors() + " cores, java " + System.getProperty("java.version"));
        List<String> parts = only == null ? List.of("backfill", "overhead", "live") : List.of(only.split(","));
        if (!List.of("backfill", "overhead", "live", "relay", "client", "verify")
                .containsAll(parts)) {
            throw new IllegalArgumentException(
                    "--only takes backfill, overhead, live, relay, client or verify (or a list of them), not " + only);
        }
        // The relay, client and verify suites report the servers they use themselves.
        boolean engineSuites = parts.stream().anyMatch(List.of("backfill", "overhead", "live")::contains);
        if (engineSuites) {
            report.put(
                    "postgres",
                    "embedded PostgreSQL 17 (zonky), fsync off, synchronous_commit off, shared_buffers 512MB");
        }
        RelayBench.Settings relay = quick ? RelayBench.Settings.QUICK : RelayBench.Settings.FULL;
        relay = changes == null ? relay : relay.withChanges(changes);
        relay = rate == null ? relay : relay.withRate(rate);
        relay = seconds == null ? relay : relay.withSeconds(seconds);
        relay = copyRows == null ? relay : relay.withCopyRows(copyRows);

        BenchDb db = engineSuites ? new BenchDb("bench") : null;
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
        if (parts.contains("relay")) {
            report.put("relay", RelayBench.run(relay, relayParts));
        }
        if (parts.contains("client")) {
            ClientBench.Settings client = quick ? ClientBench.Settings.QUICK : ClientBench.Settings.FULL;
            report.put("client", ClientBench.run(rate == null ? client : client.withRate(rate), clientParts));
        }
        if (parts.contains("verify")) {
            VerifyBench.Settings verify = quick ? VerifyBench.Settings.QUICK : VerifyBench.Settings.FULL;
            verify = rate == null ? verify : verify.withRate(rate);
            report.put("verify", VerifyBench.run(sizesGiven ? verify.withSizes(sizes) : verify, verifyParts));
        }
        Files.createDirectories(out);
        Files.writeString(out.resolve("latest.json"), json(report));
        String markdown = Markdown.render(report, sizes);
        if (report.get("client") instanceof Map<?, ?> client) {
            markdown = ClientMarkdown.render(markdown, client, quick);
        }
        if (report.get("verify") instanceof Map<?, ?> verify) {
            markdown = VerifyMarkdown.render(markdown, verify, quick);
        }
        Files.writeString(out.resolve("latest.md"), markdown);
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
