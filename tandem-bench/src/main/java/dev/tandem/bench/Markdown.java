package dev.tandem.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The short Markdown table of a benchmark report, with each target and whether it was met. */
final class Markdown {
    private Markdown() {}

    @SuppressWarnings("unchecked")
    static String render(Map<String, Object> report, List<Long> sizes) {
        StringBuilder b = new StringBuilder("# tandem benchmarks\n\n");
        b.append(report.get("when")).append(", ").append(report.get("machine"));
        if (report.get("postgres") != null) {
            b.append(", ").append(report.get("postgres"));
        }
        b.append("\n\n");
        // A run with --only has some of the sections.
        List<Map<String, Object>> backfill = (List<Map<String, Object>>) report.getOrDefault("backfill", List.of());
        Map<String, Object> overhead = (Map<String, Object>) report.get("trigger_overhead");
        List<Map<String, Object>> live = (List<Map<String, Object>>) report.getOrDefault("live_workload", List.of());
        if (!backfill.isEmpty()) {
            b.append("## Backfill\n\n| change | rows | single UPDATE rows/s | backfill rows/s | ratio |\n"
                    + "|---|---:|---:|---:|---:|\n");
        }
        for (Map<String, Object> r : backfill) {
            b.append(String.format(
                    Locale.ROOT,
                    "| %s | %,d | %,.0f | %,.0f | %.2f |%n",
                    r.get("change"),
                    (long) r.get("rows"),
                    (double) r.get("single_update_rows_per_second"),
                    (double) r.get("backfill_rows_per_second"),
                    (double) r.get("ratio_to_single_update")));
        }
        if (overhead != null) {
            overhead(b, overhead);
        }
        if (!live.isEmpty()) {
            b.append(
                    "\n## Live workload (pgbench TPC-B)\n\n| migration | tps | tps ratio | p99 ms | p99 ratio | failed"
                            + " | aborted | longest lock wait ms | behind tandem ms |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        }
        for (Map<String, Object> r : live) {
            live(b, r);
        }
        Map<String, Object> relay = (Map<String, Object>) report.get("relay");
        if (relay != null) {
            RelayMarkdown.render(b, relay);
        }
        if (!backfill.isEmpty() || overhead != null || !live.isEmpty()) {
            targets(b, backfill, overhead, live, sizes);
        }
        return b.toString();
    }

    private static void overhead(StringBuilder b, Map<String, Object> overhead) {
        b.append("\n## Sync-trigger overhead (")
                .append(String.format(Locale.ROOT, "%,d", (long) overhead.get("rows")))
                .append(" rows, median of ")
                .append(overhead.get("repeats"))
                .append(")\n\n| update | without triggers s | with triggers s | ratio |\n|---|---:|---:|---:|\n");
        row(
                b,
                overhead,
                "column read by `up`",
                "update_without_triggers_seconds",
                "update_with_triggers_seconds",
                "overhead_ratio");
        row(
                b,
                overhead,
                "unrelated column",
                "unrelated_update_without_triggers_seconds",
                "unrelated_update_with_triggers_seconds",
                "unrelated_overhead_ratio");
        if (overhead.containsKey("new_shape_overhead_ratio")) {
            row(
                    b,
                    overhead,
                    "through the new shape's view (INSTEAD OF)",
                    "update_without_triggers_seconds",
                    "new_shape_update_seconds",
                    "new_shape_overhead_ratio");
            row(
                    b,
                    overhead,
                    String.format(Locale.ROOT, "%,d single-row updates by key, through the view", (long)
                            overhead.get("single_row_updates")),
                    "single_row_without_triggers_seconds",
                    "single_row_new_shape_seconds",
                    "single_row_new_shape_ratio");
        }
    }

    /** One row of the overhead table: seconds without and with the triggers, and their ratio. */
    private static void row(
            StringBuilder b, Map<String, Object> overhead, String label, String without, String with, String ratio) {
        b.append(String.format(
                Locale.ROOT,
                "| %s | %.2f | %.2f | %.2f |%n",
                label,
                (double) overhead.get(without),
                (double) overhead.get(with),
                (double) overhead.get(ratio)));
    }

    private static void live(StringBuilder b, Map<String, Object> r) {
        b.append(String.format(
                Locale.ROOT,
                "| %s | %.0f | %s | %.2f | %s | %d | %d | %.1f | %.1f |%n",
                r.get("migration"),
                (double) r.get("tps"),
                ratio(r.get("tps_ratio_to_baseline")),
                (double) r.get("p99_ms"),
                ratio(r.get("p99_ratio_to_baseline")),
                (long) r.get("failed_transactions"),
                (long) r.get("aborted_clients"),
                (double) r.get("longest_lock_wait_ms"),
                (double) r.get("longest_lock_wait_behind_tandem_ms")));
    }

    private static void targets(
            StringBuilder b,
            List<Map<String, Object>> backfill,
            Map<String, Object> overhead,
            List<Map<String, Object>> live,
            List<Long> sizes) {
        b.append("\n## Targets\n\n| what | target | measured | met |\n|---|---|---|---|\n");
        Map<String, Object> at1m = find(backfill, "add_column", 1_000_000L);
        if (at1m != null) {
            double rate = (double) at1m.get("backfill_rows_per_second");
            double ratio = (double) at1m.get("ratio_to_single_update");
            target(
                    b,
                    "backfill at 1M rows (add_column)",
                    ">= 40% of single UPDATE and >= 100k rows/s",
                    String.format(Locale.ROOT, "%.0f%%, %,.0f rows/s", ratio * 100, rate),
                    ratio >= 0.4 && rate >= 100_000);
        }
        for (String change : List.of("add_column", "alter_column_type")) {
            Map<String, Object> small = find(backfill, change, sizes.getFirst());
            Map<String, Object> large = find(backfill, change, sizes.getLast());
            if (small != null && large != null && small != large) {
                double r =
                        (double) large.get("backfill_rows_per_second") / (double) small.get("backfill_rows_per_second");
                target(
                        b,
                        "rate at " + String.format(Locale.ROOT, "%,d", sizes.getLast()) + " vs "
                                + String.format(Locale.ROOT, "%,d", sizes.getFirst()) + " rows (" + change + ")",
                        "within 20%",
                        String.format(Locale.ROOT, "%.2f", r),
                        r >= 0.8);
            }
        }
        if (overhead != null) {
            double oh = (double) overhead.get("overhead_ratio");
            target(b, "sync-trigger overhead", "<= 1.5x", String.format(Locale.ROOT, "%.2fx", oh), oh <= 1.5);
        }
        for (Map<String, Object> r : live.subList(Math.min(1, live.size()), live.size())) {
            double tps = (double) r.get("tps_ratio_to_baseline");
            double p99 = (double) r.get("p99_ratio_to_baseline");
            long errors = (long) r.get("failed_transactions") + (long) r.get("aborted_clients");
            double lock = (double) r.get("longest_lock_wait_behind_tandem_ms");
            target(
                    b,
                    "live throughput, " + r.get("migration"),
                    ">= 70% of baseline",
                    String.format(Locale.ROOT, "%.0f%%", tps * 100),
                    tps >= 0.7);
            target(b, "live errors, " + r.get("migration"), "zero", String.valueOf(errors), errors == 0);
            target(
                    b,
                    "live p99, " + r.get("migration"),
                    "<= 3x baseline",
                    String.format(Locale.ROOT, "%.2fx", p99),
                    p99 <= 3);
            target(
                    b,
                    "longest wait behind tandem, " + r.get("migration"),
                    "<= 200 ms",
                    String.format(Locale.ROOT, "%.1f ms", lock),
                    lock <= 200);
        }
    }

    private static String ratio(Object value) {
        return value == null ? "1.00 (baseline)" : String.format(Locale.ROOT, "%.2f", (double) value);
    }

    private static Map<String, Object> find(List<Map<String, Object>> rows, String change, long n) {
        return rows.stream()
                .filter(r -> r.get("change").equals(change) && (long) r.get("rows") == n)
                .findFirst()
                .orElse(null);
    }

    private static void target(StringBuilder b, String what, String target, String measured, boolean met) {
        b.append("| ")
                .append(what)
                .append(" | ")
                .append(target)
                .append(" | ")
                .append(measured)
                .append(" | ")
                .append(met ? "yes" : "**no**")
                .append(" |\n");
    }
}
