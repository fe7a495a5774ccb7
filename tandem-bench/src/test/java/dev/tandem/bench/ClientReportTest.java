package dev.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client report judges each figure against its target, and only a run that kept its load counts. */
class ClientReportTest {
    private static Map<String, Object> latencies(double p99, double max) {
        return Map.of("count", 1_000L, "p50_ms", 5.0, "p99_ms", p99, "max_ms", max);
    }

    private static Map<String, Object> stall(double achieved, double fenceP99, double fenceMax, long errors) {
        Map<String, Object> retried = Map.of(
                "writes", 16L,
                "most_attempts", 2L,
                "call_to_retry", latencies(50, 60),
                "engine_return_to_retry", latencies(5, 10),
                "retry", latencies(5, 10));
        Map<String, Object> fence = new LinkedHashMap<>();
        fence.put("fence", "cutover");
        fence.put("engine_call_ms", 900.0);
        fence.put("longest_gap_without_a_completed_write_ms", 70.0);
        fence.put("from_due", latencies(fenceP99, fenceMax));
        fence.put("from_call", latencies(fenceP99, fenceMax));
        fence.put("refused_and_retried", retried);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("rate", 2_000L);
        s.put("writers", 16L);
        s.put("window_ms", 1_000L);
        s.put("warm_up_ms", 1_000L);
        s.put("seconds_writing", 30.0);
        s.put("writes_per_second_achieved", achieved);
        s.put("writes_committed", 60_000L);
        s.put("errors", errors);
        s.put("error_messages", List.of());
        s.put("both_sides", "20000 rows, md5 x (equal)");
        s.put("steady_from_due", latencies(10, 40));
        s.put("steady_from_call", latencies(10, 40));
        s.put("fences", List.of(fence));
        s.put("longest_gap_without_a_completed_write_ms", 70.0);
        s.put("fence_messages", List.of("fence: writes to public.orders held 20 ms"));
        return s;
    }

    private static String targetRow(Map<String, Object> stall) {
        Map<String, Object> client = new LinkedHashMap<>();
        client.put("load_average_at_start", "1.00 1.00 1.00");
        client.put("load_average_at_end", "1.00 1.00 1.00");
        client.put("total_seconds", 60.0);
        client.put("cutover_stall", stall);
        String md = ClientMarkdown.render("# tandem benchmarks\n\n", client, false);
        return md.lines()
                .filter(l -> l.startsWith("| cutover write stall"))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void shouldMeetTheStallTargetWhenTheRateWasKeptAndEveryFenceWindowIsWithinBounds() {
        assertThat(targetRow(stall(1_990, 80, 300, 0))).endsWith("| yes |");
    }

    @Test
    void shouldNotCountARunThatFellShortOfItsWriteRateWhateverItsLatencies() {
        assertThat(targetRow(stall(1_500, 20, 50, 0))).endsWith("| **no** |").contains("1,500 writes/s achieved");
    }

    @Test
    void shouldFailTheStallTargetOnASingleError() {
        assertThat(targetRow(stall(2_000, 20, 50, 1))).endsWith("| **no** |");
    }

    @Test
    void shouldTakeTheWorstFenceWindowAgainstTheTarget() {
        assertThat(targetRow(stall(2_000, 120, 300, 0))).endsWith("| **no** |");
        assertThat(targetRow(stall(2_000, 90, 600, 0))).endsWith("| **no** |");
    }
}
