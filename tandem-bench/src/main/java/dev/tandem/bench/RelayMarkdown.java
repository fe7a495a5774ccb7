package dev.tandem.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The relay section of the Markdown report: one column per delivery (baselines first, then any
 * candidate with its ratio to each baseline), one row per figure.
 */
final class RelayMarkdown {
    private RelayMarkdown() {}

    @SuppressWarnings("unchecked")
    static void render(StringBuilder b, Map<String, Object> relay) {
        captureOverhead(b, relay);
        Map<String, Object> pg = (Map<String, Object>) relay.get("postgres");
        Map<String, Object> sizes = (Map<String, Object>) relay.get("sizes");
        List<Map<String, Object>> deliveries = (List<Map<String, Object>>) relay.get("deliveries");
        b.append(b.toString().endsWith("\n\n") ? "" : "\n")
                .append("## Relay baselines\n\n")
                .append(String.format(
                        Locale.ROOT,
                        "Two embedded PostgreSQL %s servers on this machine (source and target): fsync %s,"
                                + " synchronous_commit %s, full_page_writes %s, wal_level %s, shared_buffers %s."
                                + " The logical replication subscription keeps its default synchronous_commit = off.%n%n",
                        pg.get("server_version"),
                        pg.get("fsync"),
                        pg.get("synchronous_commit"),
                        pg.get("full_page_writes"),
                        pg.get("wal_level"),
                        pg.get("shared_buffers")))
                .append(String.format(
                        Locale.ROOT,
                        "Workload on `bench_orders` (%,d seeded rows): %s, in transactions of %d. Backlog: %,d"
                                + " changes. Latency: %,d changes/s for %d s. Copy: %,d rows.%n%n",
                        (long) sizes.get("seed_rows"),
                        sizes.get("mix"),
                        (long) sizes.get("transaction_size"),
                        (long) sizes.get("backlog_changes"),
                        (long) sizes.get("paced_changes_per_second"),
                        (long) sizes.get("paced_seconds"),
                        (long) sizes.get("copy_rows")));
        b.append(String.format(
                Locale.ROOT,
                "The machine is shared: load average (1, 5, 15 min) %s at the start, %s at the end, over %.0f s.%n%n",
                relay.get("load_average_at_start"),
                relay.get("load_average_at_end"),
                relay.get("total_seconds") instanceof Double d ? d : Double.NaN));
        b.append("| figure |");
        for (Map<String, Object> d : deliveries) {
            b.append(' ').append(d.get("name")).append(" |");
        }
        b.append("\n|---|");
        b.append("---:|".repeat(deliveries.size()));
        b.append('\n');
        rows(b, relay, deliveries);
        firstChange(b, relay, deliveries);
        backlog(b, relay);
        pacedCommits(b, relay, deliveries);
        copies(b, (List<Map<String, Object>>) relay.get("copy"));
        ratios(b, (List<Map<String, Object>>) relay.get("ratios"));
        b.append("\nThe drain is timed from the start of the delivery (Debezium's includes its engine start) until"
                + " the last change has arrived; live and latency runs start once the delivery runs. A target"
                + " figure counts only when the target then equals the source row for row (md5 of the ordered"
                + " rows); Debezium's counts only when it read every change. A latency runs from the moment the"
                + " writer sent COMMIT (the source's WAL flush included, as a clock_timestamp() at the end of"
                + " the transaction would date it) or from the moment COMMIT returned, to the row's apply on the"
                + " target (a trigger's clock_timestamp()) or to Debezium's consumer receiving it.\n");
    }

    private static void rows(StringBuilder b, Map<String, Object> relay, List<Map<String, Object>> deliveries) {
        for (RelayBench.Figure f : RelayBench.FIGURES) {
            b.append("| ").append(f.label()).append(" |");
            for (Map<String, Object> d : deliveries) {
                Double v = RelayBench.figure(relay, f, d.get("key"));
                String error = error(relay, f.scenario(), d.get("key"));
                b.append(' ')
                        .append(
                                v != null
                                        ? String.format(Locale.ROOT, f.higherIsBetter() ? "%,.0f" : "%,.1f", v)
                                        : error != null ? "failed: " + error : "-")
                        .append(" |");
            }
            b.append('\n');
        }
    }

    @SuppressWarnings("unchecked")
    private static String error(Map<String, Object> relay, String scenario, Object key) {
        Map<String, Object> s = (Map<String, Object>) relay.get(scenario);
        Map<String, Object> results = s == null ? null : (Map<String, Object>) s.get("results");
        Map<String, Object> figures = results == null ? null : (Map<String, Object>) results.get(key);
        return figures == null ? null : (String) figures.get("error");
    }

    /** A reader's drain rate without its start, which a target's fence cannot show. */
    @SuppressWarnings("unchecked")
    private static void firstChange(StringBuilder b, Map<String, Object> relay, List<Map<String, Object>> deliveries) {
        Map<String, Object> results = (Map<String, Object>) ((Map<String, Object>) relay.get("drain")).get("results");
        for (Map<String, Object> d : deliveries) {
            Map<String, Object> f = (Map<String, Object>) results.get(d.get("key"));
            if (f != null && f.get("changes_per_second_from_first_change") instanceof Double rate) {
                b.append(String.format(
                        Locale.ROOT,
                        "%n%s read its first change %.1f s after its start; from then on it drained %,.0f changes/s.%n",
                        d.get("name"),
                        (double) f.get("first_change_after_seconds"),
                        rate));
            }
        }
    }

    /** How long the writer's COMMIT took in the latency runs: the floor under every latency. */
    @SuppressWarnings("unchecked")
    private static void pacedCommits(StringBuilder b, Map<String, Object> relay, List<Map<String, Object>> deliveries) {
        Map<String, Object> results = (Map<String, Object>) ((Map<String, Object>) relay.get("latency")).get("results");
        for (Map<String, Object> d : deliveries) {
            Map<String, Object> f = (Map<String, Object>) results.get(d.get("key"));
            if (f != null && f.get("writes") instanceof Map<?, ?> w) {
                b.append(String.format(
                        Locale.ROOT,
                        "%nLatency run of %s: %,.0f changes/s achieved; the source's COMMIT took p50 %.2f ms, p99 %.2f"
                                + " ms.%n",
                        d.get("name"),
                        (double) w.get("changes_per_second"),
                        (double) w.get("commit_p50_ms"),
                        (double) w.get("commit_p99_ms")));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void backlog(StringBuilder b, Map<String, Object> relay) {
        Map<String, Object> drain = (Map<String, Object>) relay.get("drain");
        Map<String, Object> backlog = drain == null ? null : (Map<String, Object>) drain.get("backlog");
        if (backlog != null) {
            b.append(String.format(
                    Locale.ROOT,
                    "%nThe backlog was written at %,.0f changes/s (%,d transactions, %.1f s, %s).%n",
                    (double) backlog.get("changes_per_second"),
                    (long) backlog.get("transactions"),
                    (double) backlog.get("seconds"),
                    backlog.get("how")));
        }
    }

    @SuppressWarnings("unchecked")
    private static void captureOverhead(StringBuilder b, Map<String, Object> relay) {
        Map<String, Object> o = (Map<String, Object>) relay.get("capture_overhead");
        if (o == null) {
            return;
        }
        b.append("\n### Capture overhead: one-row UPDATE transactions, ")
                .append(o.get("clients"))
                .append(" clients, ")
                .append(o.get("seconds_per_run"))
                .append(" s per run, two runs each, alternated\n\n");
        b.append("| | tps | p50 ms | p99 ms |\n|---|---:|---:|---:|\n");
        b.append(String.format(
                java.util.Locale.ROOT,
                "| without capture | %.0f | %.3f | %.3f |%n",
                o.get("without_capture_tps"),
                o.get("without_capture_p50_ms"),
                o.get("without_capture_p99_ms")));
        b.append(String.format(
                java.util.Locale.ROOT,
                "| with capture, a relay delivering | %.0f | %.3f | %.3f |%n",
                o.get("with_capture_tps"),
                o.get("with_capture_p50_ms"),
                o.get("with_capture_p99_ms")));
        if (o.get("no_relay_tps") != null) {
            b.append(String.format(
                    java.util.Locale.ROOT,
                    "| with capture, no relay running (every statement notifies) | %.0f | %.3f | %.3f |%n",
                    o.get("no_relay_tps"),
                    o.get("no_relay_p50_ms"),
                    o.get("no_relay_p99_ms")));
        }
        b.append(String.format(
                java.util.Locale.ROOT,
                "%nTime per transaction with capture: **%.2fx** (target at most 1.3x); median added: **%.3f ms**"
                        + " (target at most 0.1 ms).%n",
                o.get("time_per_transaction_ratio"),
                o.get("p50_added_ms")));
    }

    private static void copies(StringBuilder b, List<Map<String, Object>> copies) {
        b.append("\n| copy of existing rows | rows | s | rows/s | MB/s |\n|---|---:|---:|---:|---:|\n");
        for (Map<String, Object> c : copies) {
            if (c.containsKey("error")) {
                b.append("| ")
                        .append(c.get("name"))
                        .append(" | failed: ")
                        .append(c.get("error"))
                        .append(" | | | |\n");
            } else {
                b.append(String.format(
                        Locale.ROOT,
                        "| %s | %,d | %.1f | %,.0f | %.1f |%n",
                        c.get("name"),
                        (long) c.get("rows"),
                        (double) c.get("seconds"),
                        (double) c.get("rows_per_second"),
                        (double) c.get("mb_per_second")));
            }
        }
    }

    private static void ratios(StringBuilder b, List<Map<String, Object>> ratios) {
        if (ratios.isEmpty()) {
            return;
        }
        b.append("\n| candidate | baseline | figure | ratio | better when |\n|---|---|---|---:|---|\n");
        for (Map<String, Object> r : ratios) {
            b.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %s | %.2f | %s |%n",
                    r.get("candidate"),
                    r.get("baseline"),
                    r.get("figure"),
                    (double) r.get("ratio"),
                    r.get("better_when")));
        }
    }
}
