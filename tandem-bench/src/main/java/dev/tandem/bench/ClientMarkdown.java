package dev.tandem.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The client section of the Markdown report: the targets first, each figure beside the baseline measured
 * in the same run, then the detail of each part.
 */
final class ClientMarkdown {
    private ClientMarkdown() {}

    /** {@code markdown} (the report's header) followed by the client section. */
    static String render(String markdown, Map<?, ?> client, boolean quick) {
        StringBuilder b = new StringBuilder(markdown);
        b.append(markdown.endsWith("\n\n") ? "" : "\n").append("## tandem-client\n\n");
        if (quick) {
            b.append("A `--quick` run: short runs, to check the harness; not the figures to quote.\n\n");
        }
        if (map(client, "postgres") instanceof Map<?, ?> pg) {
            b.append(format(
                    "One embedded PostgreSQL %s server on this machine: fsync %s, synchronous_commit %s,"
                            + " full_page_writes %s, shared_buffers %s. The moved table (%,d orders) goes from one of"
                            + " its databases to another.%n%n",
                    pg.get("server_version"),
                    pg.get("fsync"),
                    pg.get("synchronous_commit"),
                    pg.get("full_page_writes"),
                    pg.get("shared_buffers"),
                    num(client, "rows")));
        }
        b.append(format(
                "The machine is shared (2 cores): load average (1, 5, 15 min) %s at the start, %s at the end, over %.0f"
                        + " s.%n%n",
                client.get("load_average_at_start"), client.get("load_average_at_end"), dbl(client, "total_seconds")));
        targets(b, client);
        stall(b, map(client, "cutover_stall"), "Cutover write stall");
        stall(b, map(client, "cutover_stall_control"), "Cutover write stall at a lower rate (control)");
        flags(b, map(client, "flag_propagation"));
        checkout(b, map(client, "checkout"));
        shadow(b, map(client, "shadow_reads"));
        return b.toString();
    }

    private static void targets(StringBuilder b, Map<?, ?> client) {
        b.append("| figure | baseline, same run | measured | target | met |\n|---|---|---|---|---|\n");
        stallRow(b, map(client, "cutover_stall"), false);
        stallRow(b, map(client, "cutover_stall_control"), true);
        Map<?, ?> flags = map(client, "flag_propagation");
        if (flags != null) {
            Map<?, ?> per = map(flags, "per_client");
            row(
                    b,
                    format("flag propagation to %d clients", num(flags, "clients")),
                    "none",
                    format(
                            "p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d not seen",
                            dbl(per, "p50_ms"),
                            dbl(per, "p99_ms"),
                            dbl(per, "max_ms"),
                            num(flags, "not_seen_within_10_s")),
                    "p99 <= 1 s",
                    dbl(per, "p99_ms") <= 1000 && num(flags, "not_seen_within_10_s") == 0);
        }
        Map<?, ?> checkout = map(client, "checkout");
        if (checkout != null) {
            for (String shape : List.of("shape_new", "shape_old")) {
                Map<?, ?> c = map(checkout, shape);
                row(
                        b,
                        "routing DataSource, added per checkout, " + shape.replace('_', ' '),
                        format("plain HikariCP checkout: median %.1f µs", dbl(map(c, "plain_pool"), "p50_us")),
                        format(
                                "median %.1f µs (%.1f µs through the client)",
                                dbl(c, "added_p50_us"), dbl(map(c, "through_client"), "p50_us")),
                        "<= 50 µs median",
                        dbl(c, "added_p50_us") <= 50);
            }
        }
        Map<?, ?> shadow = map(client, "shadow_reads");
        if (shadow != null) {
            row(
                    b,
                    format("shadow reads at %.0f%% sampling, caller p99", dbl(shadow, "sample_rate") * 100),
                    format("shadow reads off: p99 %.0f µs", dbl(map(shadow, "off"), "p99_us")),
                    format("p99 %.0f µs, %.2fx", dbl(map(shadow, "on"), "p99_us"), dbl(shadow, "p99_ratio")),
                    "within 5% (<= 1.05x)",
                    dbl(shadow, "p99_ratio") <= 1.05);
        }
    }

    /** The target's row of a cutover run; a control run (at a lower rate than the target's) is shown, not judged. */
    private static void stallRow(StringBuilder b, Map<?, ?> stall, boolean control) {
        if (stall == null) {
            return;
        }
        double p99 = 0;
        double max = 0;
        for (Object o : (List<?>) stall.get("fences")) {
            Map<?, ?> due = map((Map<?, ?>) o, "from_due");
            p99 = Math.max(p99, dbl(due, "p99_ms"));
            max = Math.max(max, dbl(due, "max_ms"));
        }
        Map<?, ?> steady = map(stall, "steady_from_due");
        long errors = num(stall, "errors");
        // A load the server could not keep up with measures its queue, not the fence.
        boolean paced = dbl(stall, "writes_per_second_achieved") >= 0.95 * num(stall, "rate");
        boolean met = p99 <= 100 && max <= 500 && errors == 0 && paced;
        String outcome;
        if (control) {
            outcome = met ? "within the bounds" : "**outside the bounds**";
        } else {
            outcome = met ? "yes" : "**no**";
        }
        row(
                b,
                format(
                        "cutover write stall, %,d writes/s through the client%s",
                        num(stall, "rate"), control ? " (control: a rate this machine keeps)" : ""),
                format("away from the fences: p99 %.1f ms, max %.1f ms", dbl(steady, "p99_ms"), dbl(steady, "max_ms")),
                format(
                        "worst fence window: p99 %.1f ms, max %.1f ms; %d errors; %,.0f writes/s achieved",
                        p99, max, errors, dbl(stall, "writes_per_second_achieved")),
                control
                        ? "the same bounds, at a lower rate than the target's"
                        : "p99 <= 100 ms, max <= 500 ms, zero errors, the rate kept (gh-ost: writes blocked up to ~3 s)",
                outcome);
    }

    private static void stall(StringBuilder b, Map<?, ?> s, String title) {
        if (s == null) {
            return;
        }
        b.append(format(
                "%n### %s%n%n%d writer threads wrote %,d times a second in all (achieved %,.0f/s,"
                        + " %,d writes committed over %.0f s) through `handle.write(...)`, each adding one cent to a"
                        + " random order, while the relays ran; the engine cut over, reverted and cut over again. A"
                        + " fence's window holds the writes in flight at any time from 2 x %d ms before the engine's"
                        + " call returned (the hold comes at the end of the call, after a drain without the lock)"
                        + " until %d ms after it returned. Latency *from due* runs from the moment the write was due on its thread's"
                        + " schedule (a write held at the fence delays the ones its thread owes, and they count that"
                        + " wait); *from call* runs from the call. The first %d ms of writes (a warm-up) are left out of the"
                        + " latencies.%n%n",
                title,
                num(s, "writers"),
                num(s, "rate"),
                dbl(s, "writes_per_second_achieved"),
                num(s, "writes_committed"),
                dbl(s, "seconds_writing"),
                num(s, "window_ms"),
                num(s, "window_ms"),
                num(s, "warm_up_ms")));
        b.append(
                "| writes | engine call ms | longest gap ms | count | p50 ms (due) | p99 ms (due) | max ms (due) | p50 ms (call) |"
                        + " p99 ms (call) | max ms (call) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        latencyRow(
                b,
                "away from the fences (baseline)",
                null,
                null,
                map(s, "steady_from_due"),
                map(s, "steady_from_call"));
        for (Object o : (List<?>) s.get("fences")) {
            Map<?, ?> f = (Map<?, ?>) o;
            latencyRow(
                    b,
                    "around " + f.get("fence"),
                    dbl(f, "engine_call_ms"),
                    dbl(f, "longest_gap_without_a_completed_write_ms"),
                    map(f, "from_due"),
                    map(f, "from_call"));
        }
        retried(b, (List<?>) s.get("fences"));
        b.append(format(
                "%n*Longest gap*: the longest time in which no write completed, in the window. Over the whole"
                        + " run: %.1f ms. Errors: %d%s. At the end: %s.%n",
                dbl(s, "longest_gap_without_a_completed_write_ms"),
                num(s, "errors"),
                ((List<?>) s.get("error_messages")).isEmpty() ? "" : " (" + s.get("error_messages") + ")",
                s.get("both_sides")));
        List<?> fences = (List<?>) s.get("fence_messages");
        if (fences != null && !fences.isEmpty()) {
            b.append("\nThe fences reported:\n\n");
            fences.forEach(m -> b.append("- ").append(m).append('\n'));
        }
    }

    /** Where a refused write's time went: before the refusal, after the engine returned, and in the retry. */
    private static void retried(StringBuilder b, List<?> fences) {
        b.append("\nWrites the fence refused (SQLSTATE TD001) and the client retried on the other side:\n\n| fence |"
                + " writes | most attempts | call to retry p50 / max ms | engine's return to retry p50 / max ms |"
                + " retry p50 / max ms |\n|---|---:|---:|---:|---:|---:|\n");
        for (Object o : fences) {
            Map<?, ?> f = (Map<?, ?>) o;
            Map<?, ?> r = map(f, "refused_and_retried");
            b.append(format(
                    "| %s | %,d | %d | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f |%n",
                    f.get("fence"),
                    num(r, "writes"),
                    num(r, "most_attempts"),
                    dbl(map(r, "call_to_retry"), "p50_ms"),
                    dbl(map(r, "call_to_retry"), "max_ms"),
                    dbl(map(r, "engine_return_to_retry"), "p50_ms"),
                    dbl(map(r, "engine_return_to_retry"), "max_ms"),
                    dbl(map(r, "retry"), "p50_ms"),
                    dbl(map(r, "retry"), "max_ms")));
        }
    }

    private static void latencyRow(
            StringBuilder b, String label, Double call, Double gap, Map<?, ?> due, Map<?, ?> fromCall) {
        b.append(format(
                "| %s | %s | %s | %,d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |%n",
                label,
                call == null ? "-" : format("%.0f", call),
                gap == null ? "-" : format("%.0f", gap),
                num(due, "count"),
                dbl(due, "p50_ms"),
                dbl(due, "p99_ms"),
                dbl(due, "max_ms"),
                dbl(fromCall, "p50_ms"),
                dbl(fromCall, "p99_ms"),
                dbl(fromCall, "max_ms")));
    }

    private static void flags(StringBuilder b, Map<?, ?> f) {
        if (f == null) {
            return;
        }
        Map<?, ?> per = map(f, "per_client");
        Map<?, ?> slowest = map(f, "slowest_client_per_round");
        Map<?, ?> commit = map(f, "flag_commit");
        b.append(format(
                "%n### Flag propagation%n%n%d `Tandem` instances, each with a HikariCP pool of its own and the default"
                        + " one-second poll, watch one migration; %d times its `reads_new` flag was changed (one"
                        + " transaction: `INSERT ... ON CONFLICT` into `tandem.flags` and `pg_notify('tandem_state',"
                        + " id)`), timed from just before it was sent until each instance's handle showed the new"
                        + " value.%n%n| | count | p50 ms | p99 ms | max ms |%n|---|---:|---:|---:|---:|%n",
                num(f, "clients"), num(f, "rounds")));
        for (var e : List.of(
                Map.entry("each client, each change", per),
                Map.entry("the slowest client of each change", slowest),
                Map.entry("the flag change's own commit", commit))) {
            Map<?, ?> m = e.getValue();
            b.append(format(
                    "| %s | %,d | %.1f | %.1f | %.1f |%n",
                    e.getKey(), num(m, "count"), dbl(m, "p50_ms"), dbl(m, "p99_ms"), dbl(m, "max_ms")));
        }
    }

    private static void checkout(StringBuilder b, Map<?, ?> c) {
        if (c == null) {
            return;
        }
        b.append(format(
                "%n### Checkout through the shape-selecting DataSource%n%n`getConnection()` then `close()`, one thread,"
                        + " %s; %,d timed per variant after a warm-up, in alternating blocks of the plain pool and"
                        + " `handle.dataSource()` over it.%n%n| shape flag | plain pool p50 µs | p99 µs | through the"
                        + " client p50 µs | p99 µs | added p50 µs | added p99 µs |%n|---|---:|---:|---:|---:|---:|---:|%n",
                c.get("pool"), num(c, "iterations")));
        for (var e : List.of(
                Map.entry("new (version schema on the path)", "shape_new"),
                Map.entry("old", "shape_old"),
                Map.entry("old, with a correlation id", "shape_old_with_correlation_id"))) {
            Map<?, ?> m = map(c, e.getValue());
            b.append(format(
                    "| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |%n",
                    e.getKey(),
                    dbl(map(m, "plain_pool"), "p50_us"),
                    dbl(map(m, "plain_pool"), "p99_us"),
                    dbl(map(m, "through_client"), "p50_us"),
                    dbl(map(m, "through_client"), "p99_us"),
                    dbl(m, "added_p50_us"),
                    dbl(m, "added_p99_us")));
        }
    }

    private static void shadow(StringBuilder b, Map<?, ?> s) {
        if (s == null) {
            return;
        }
        b.append(format(
                "%n### Shadow reads%n%nPoint reads of the moved table through `handle.read(...)` (phase %s, reads new"
                        + " %d%%), %,d a second from %d threads, %d s a run, with shadow reads off and on at %.0f%%"
                        + " sampling in alternating runs; the caller's latency from call to return.%n%n| run | reads |"
                        + " p50 µs | p99 µs | max µs |%n|---|---:|---:|---:|---:|%n",
                s.get("phase"),
                num(s, "reads_new_percent"),
                num(s, "rate"),
                num(s, "readers"),
                num(s, "seconds_per_run"),
                dbl(s, "sample_rate") * 100));
        for (Object o : (List<?>) s.get("runs")) {
            Map<?, ?> r = (Map<?, ?>) o;
            shadowRow(b, "shadow reads " + r.get("shadow_reads"), r);
        }
        shadowRow(b, "**all runs off**", map(s, "off"));
        shadowRow(b, "**all runs on**", map(s, "on"));
        b.append(format(
                "%nOn/off: p50 %.2fx, p99 %.2fx. Shadow reads compared %,d, mismatched %,d, dropped %,d, failed %,d.%n",
                dbl(s, "p50_ratio"),
                dbl(s, "p99_ratio"),
                num(s, "shadow_compared"),
                num(s, "shadow_mismatched"),
                num(s, "shadow_dropped"),
                num(s, "shadow_errors")));
    }

    private static void shadowRow(StringBuilder b, String label, Map<?, ?> m) {
        b.append(format(
                "| %s | %,d | %.0f | %.0f | %.0f |%n",
                label, num(m, "count"), dbl(m, "p50_us"), dbl(m, "p99_us"), dbl(m, "max_us")));
    }

    // row, map, dbl, num and format serve the verification report too (VerifyMarkdown).
    static void row(StringBuilder b, String figure, String baseline, String measured, String target, boolean met) {
        row(b, figure, baseline, measured, target, met ? "yes" : "**no**");
    }

    private static void row(
            StringBuilder b, String figure, String baseline, String measured, String target, String met) {
        b.append("| ")
                .append(figure)
                .append(" | ")
                .append(baseline)
                .append(" | ")
                .append(measured)
                .append(" | ")
                .append(target)
                .append(" | ")
                .append(met)
                .append(" |\n");
    }

    static Map<?, ?> map(Map<?, ?> m, String key) {
        return m == null ? null : (Map<?, ?>) m.get(key);
    }

    static double dbl(Map<?, ?> m, String key) {
        return m != null && m.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    static long num(Map<?, ?> m, String key) {
        return m != null && m.get(key) instanceof Number n ? n.longValue() : -1;
    }

    static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }
}
