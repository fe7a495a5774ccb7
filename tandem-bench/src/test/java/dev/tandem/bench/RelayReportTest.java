package dev.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A candidate registered beside the baselines gets a column of its own and a ratio to each baseline. */
class RelayReportTest {
    private static Map<String, Object> delivery(String key, String name, String role) {
        return new LinkedHashMap<>(Map.of("key", key, "name", name, "role", role, "applies_to_target", "yes"));
    }

    private static Map<String, Object> report(boolean withCandidate) {
        List<Map<String, Object>> deliveries = new ArrayList<>(List.of(
                delivery("logical_replication", "PostgreSQL logical replication", "baseline"),
                delivery("debezium", "Debezium embedded (read only)", "baseline")));
        Map<String, Object> drain = new LinkedHashMap<>(Map.of(
                "logical_replication", Map.of("changes_per_second", 30_000.0),
                "debezium", Map.of("changes_per_second", 6_000.0)));
        Map<String, Object> latency = new LinkedHashMap<>(Map.of(
                "logical_replication", Map.of("p50_ms", 4.0, "p99_ms", 20.0),
                "debezium", Map.of("p50_ms", 15.0, "p99_ms", 300.0)));
        if (withCandidate) {
            deliveries.add(delivery("tandem_relay", "tandem relay", "candidate"));
            drain.put("tandem_relay", Map.of("changes_per_second", 15_000.0));
            latency.put("tandem_relay", Map.of("p50_ms", 8.0, "p99_ms", 30.0));
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put(
                "postgres",
                Map.of(
                        "server_version", "17.6",
                        "fsync", "on",
                        "synchronous_commit", "on",
                        "full_page_writes", "on",
                        "wal_level", "logical",
                        "shared_buffers", "512MB"));
        r.put(
                "sizes",
                Map.of(
                        "seed_rows", 1_000L,
                        "mix", "1/2 updates, 1/4 inserts, 1/4 deletes",
                        "transaction_size", 100L,
                        "backlog_changes", 1_000L,
                        "paced_changes_per_second", 5_000L,
                        "paced_seconds", 60L,
                        "copy_rows", 1_000L));
        r.put("deliveries", deliveries);
        r.put("drain", Map.of("results", drain));
        r.put("live", Map.of("results", Map.of()));
        r.put("latency", Map.of("results", latency));
        List<Map<String, Object>> copies = List.of();
        r.put("copy", copies);
        r.put("ratios", RelayBench.ratios(r, copies));
        return r;
    }

    private static String markdown(Map<String, Object> relay) {
        StringBuilder b = new StringBuilder();
        RelayMarkdown.render(b, relay);
        return b.toString();
    }

    @Test
    void shouldReportBaselinesAloneWithoutRatiosWhenNoCandidateIsRegistered() {
        Map<String, Object> r = report(false);

        assertThat((List<?>) r.get("ratios")).isEmpty();
        assertThat(markdown(r))
                .contains("| figure | PostgreSQL logical replication | Debezium embedded (read only) |\n")
                .doesNotContain("| candidate |");
    }

    @Test
    void shouldReportACandidateAsARatioToEachBaselineForEveryFigureBothHave() {
        Map<String, Object> r = report(true);

        assertThat((List<Map<String, Object>>) ratios(r))
                .extracting(m -> m.get("baseline") + " " + m.get("figure") + " " + m.get("ratio"))
                .containsExactly(
                        "logical_replication drain a backlog, changes/s 0.5",
                        "logical_replication COMMIT sent to arrival p50, ms 2.0",
                        "logical_replication COMMIT sent to arrival p99, ms 1.5",
                        "debezium drain a backlog, changes/s 2.5",
                        "debezium COMMIT sent to arrival p50, ms 0.5333333333333333",
                        "debezium COMMIT sent to arrival p99, ms 0.1");
        assertThat(markdown(r))
                .contains("| Debezium embedded (read only) | tandem relay |\n")
                .contains("| tandem_relay | logical_replication | drain a backlog, changes/s | 0.50 | above 1 |");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> ratios(Map<String, Object> r) {
        return (List<Map<String, Object>>) r.get("ratios");
    }
}
