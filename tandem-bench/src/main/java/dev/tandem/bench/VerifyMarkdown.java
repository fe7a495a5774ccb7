package dev.tandem.bench;

import static dev.tandem.bench.ClientMarkdown.dbl;
import static dev.tandem.bench.ClientMarkdown.format;
import static dev.tandem.bench.ClientMarkdown.map;
import static dev.tandem.bench.ClientMarkdown.num;
import static dev.tandem.bench.ClientMarkdown.row;

import java.util.List;
import java.util.Map;

/**
 * The verification section of the Markdown report: the targets first, each figure beside the baselines
 * measured in the same run, then each tool's runs.
 */
final class VerifyMarkdown {
    private VerifyMarkdown() {}

    /** {@code markdown} (the report's header) followed by the verification section. */
    static String render(String markdown, Map<?, ?> verify, boolean quick) {
        StringBuilder b = new StringBuilder(markdown);
        b.append(markdown.endsWith("\n\n") ? "" : "\n").append("## Verification (issue 11)\n\n");
        if (quick) {
            b.append(
                    "A `--quick` run: small tables and short runs, to check the harness; not the figures to quote.\n\n");
        }
        if (verify.get("postgres") instanceof Map<?, ?> pg) {
            b.append(format(
                    "A private PostgreSQL %s cluster started for the run (Debian's build, for its pgcmp %s extension):"
                            + " fsync %s, synchronous_commit %s, full_page_writes %s, shared_buffers %s. The two stores"
                            + " are two of its databases; the second is a file copy of the first. tandem's verifier runs"
                            + " %d segments at a time per store.%n%n",
                    pg.get("server_version"),
                    pg.get("pgcmp"),
                    pg.get("fsync"),
                    pg.get("synchronous_commit"),
                    pg.get("full_page_writes"),
                    pg.get("shared_buffers"),
                    num(verify, "parallelism")));
        }
        b.append(format(
                "The machine is shared (2 cores): load average (1, 5, 15 min) %s at the start, %s at the end, over %.0f"
                        + " s.%n%n",
                verify.get("load_average_at_start"), verify.get("load_average_at_end"), dbl(verify, "total_seconds")));
        b.append("| figure | baseline, same run | measured | target | met |\n|---|---|---|---|---|\n");
        List<?> sizes = verify.get("sizes") instanceof List<?> l ? l : List.of();
        for (Object o : sizes) {
            targets(b, (Map<?, ?>) o);
        }
        live(b, map(verify, "live"), "");
        live(b, map(verify, "live_control"), " (control: a lower rate)");
        b.append(format(
                "%npg_comparator ran with its defaults (ck checksum of 8 bytes, sum aggregate, folding factor 7,"
                        + " asynchronous queries, one transaction, temporary tables) as `%s`, timed from the fork to its"
                        + " exit. The hash baseline is `%s` on both databases at once, timed until both answered.%n",
                verify.get("pg_comparator"), VerifyHash.query("customers_N")));
        for (Object o : sizes) {
            details(b, (Map<?, ?>) o);
        }
        liveDetails(b, map(verify, "live"), "Live workload");
        liveDetails(b, map(verify, "live_control"), "Live workload at a lower rate (control)");
        return b.toString();
    }

    private static void targets(StringBuilder b, Map<?, ?> size) {
        String rows = millions(num(size, "rows"));
        Map<?, ?> identical = map(size, "identical");
        if (identical != null) {
            Map<?, ?> c = map(identical, "pg_comparator");
            Map<?, ?> h = map(identical, "hash_both_sides");
            Map<?, ?> t = map(identical, "tandem");
            double toComparator = dbl(identical, "tandem_to_pg_comparator");
            double toHash = dbl(identical, "tandem_to_hash_both_sides");
            row(
                    b,
                    "rows compared per second, identical tables, " + rows + " rows",
                    format(
                            "pg_comparator %s rows/s (%.1f s); hashing both sides at once %s rows/s (%.1f s)",
                            rate(dbl(c, "median_rows_per_second")),
                            dbl(c, "median_seconds"),
                            rate(dbl(h, "median_rows_per_second")),
                            dbl(h, "median_seconds")),
                    format(
                            "%s rows/s (%.1f s): %.2fx pg_comparator, %.0f%% of hashing",
                            rate(dbl(t, "median_rows_per_second")),
                            dbl(t, "median_seconds"),
                            toComparator,
                            100 * toHash),
                    ">= 2x pg_comparator and >= 80% of hashing",
                    toComparator >= 2 && toHash >= 0.8);
        }
        Map<?, ?> drift = map(size, "drift");
        if (drift != null) {
            Map<?, ?> c = map(drift, "pg_comparator");
            Map<?, ?> t = map(drift, "tandem");
            long foundC = leastFound(c);
            long foundT = leastFound(t);
            row(
                    b,
                    "time to find 10 drifted keys among " + rows + " rows",
                    format(
                            "pg_comparator %.1f s, found %d of 10 (fewest over its runs)",
                            dbl(c, "median_seconds"), foundC),
                    format("%.1f s, found %d of 10 (fewest over its runs)", dbl(t, "median_seconds"), foundT),
                    "faster than pg_comparator, every key found",
                    dbl(t, "median_seconds") < dbl(c, "median_seconds") && foundT == 10);
        }
        Map<?, ?> drill = map(size, "drilldown");
        if (drill != null) {
            row(
                    b,
                    "drill-down streaming, " + rows + " rows, one drifted key per 10,000",
                    "none",
                    format(
                            "%s rows/s (the verifier's figure, both sides' rows); whole run %.1f s, %d of %d keys found",
                            rate(dbl(drill, "stream_rows_per_second")),
                            dbl(drill, "seconds"),
                            num(drill, "drift_rows"),
                            num(drill, "drifted_keys_planted")),
                    ">= 1.5M rows/s",
                    dbl(drill, "stream_rows_per_second") >= 1_500_000);
        }
    }

    private static void live(StringBuilder b, Map<?, ?> live, String note) {
        if (live == null) {
            return;
        }
        row(
                b,
                format("workload p99 under verification, %,d writes/s%s", num(live, "rate"), note),
                format("without verification: p99 %.1f ms", dbl(map(live, "without_verification"), "p99_ms")),
                format(
                        "p99 %.1f ms, %.2fx; %d verifications in %.0f s (paced at %,d rows/s); %,.0f writes/s"
                                + " achieved, %d errors",
                        dbl(map(live, "with_verification"), "p99_ms"),
                        dbl(live, "p99_ratio"),
                        ((List<?>) live.get("verifications")).size(),
                        dbl(live, "verifying_seconds"),
                        VerifyLive.LIVE_MAX_ROWS_PER_SECOND,
                        dbl(live, "writes_per_second_achieved"),
                        num(live, "errors")),
                "p99 within 20% (<= 1.2x), the rate kept",
                // A writer that cannot keep the rate measures its own backlog, in both windows.
                dbl(live, "p99_ratio") <= 1.2 && dbl(live, "writes_per_second_achieved") >= 0.95 * num(live, "rate"));
    }

    private static void details(StringBuilder b, Map<?, ?> size) {
        b.append(format("%n### %s rows (`%s`)%n%n", millions(num(size, "rows")), size.get("table")));
        b.append(format(
                "Load average %s at the start, %s at the end.%n%n",
                size.get("load_average_at_start"), size.get("load_average_at_end")));
        // The verifier's own count: more than the table's rows means it read some rows more than once.
        b.append(
                "| run | tool | seconds | rows/s | rows compared (tandem's count) | keys found | missed | not planted |\n"
                        + "|---|---|---:|---:|---:|---:|---|---|\n");
        Map<?, ?> identical = map(size, "identical");
        if (identical != null) {
            runs(b, "identical", "hash both sides", map(identical, "hash_both_sides"));
            runs(b, "identical", "pg_comparator", map(identical, "pg_comparator"));
            runs(b, "identical", "tandem", map(identical, "tandem"));
        }
        Map<?, ?> drift = map(size, "drift");
        if (drift != null) {
            runs(b, "10 drifted", "pg_comparator", map(drift, "pg_comparator"));
            runs(b, "10 drifted", "tandem", map(drift, "tandem"));
        }
        Map<?, ?> drill = map(size, "drilldown");
        if (drill != null) {
            b.append(format(
                    "| drill-down | tandem | %.2f | %s | %,d | %d of %d | | |%n",
                    dbl(drill, "seconds"),
                    rate(dbl(drill, "rows_per_second")),
                    num(drill, "rows_compared"),
                    num(drill, "drift_rows"),
                    num(drill, "drifted_keys_planted")));
        }
        if (drift != null) {
            b.append(format("%nThe drift planted on the new side: %s.%n", drift.get("planted")));
        }
        if (identical != null) {
            b.append(format("%ntandem's method: %s.%n", identical.get("method")));
        }
    }

    private static void runs(StringBuilder b, String run, String tool, Map<?, ?> summary) {
        for (Object o : (List<?>) summary.get("runs")) {
            Map<?, ?> r = (Map<?, ?>) o;
            if (r.get("error") != null) {
                b.append(format(
                        "| %s | %s | failed after %.1f | | | | %s | |%n",
                        run, tool, dbl(r, "failed_after_seconds"), r.get("error")));
                continue;
            }
            b.append(format(
                    "| %s | %s | %.2f | %s | %s | %s | %s | %s |%n",
                    run,
                    tool,
                    dbl(r, "seconds"),
                    rate(dbl(r, "rows_per_second")),
                    r.get("rows_compared") == null ? "" : format("%,d", num(r, "rows_compared")),
                    r.get("keys_found") == null ? "" : r.get("keys_found") + " of 10",
                    r.get("keys_missed") == null ? "" : r.get("keys_missed"),
                    r.get("keys_not_planted") == null ? "" : r.get("keys_not_planted")));
        }
    }

    private static void liveDetails(StringBuilder b, Map<?, ?> live, String title) {
        if (live == null) {
            return;
        }
        b.append(format(
                "%n### %s%n%n%d writer threads added one cent to random orders of a started move (%,d orders,"
                        + " relays running) at %,d writes/s in all, with plain JDBC on the source's pool: %d s without"
                        + " verification, %d s of `verify` called again and again, %d s without again. Latency runs from"
                        + " when each write was due on its thread's schedule to its commit; the first 2 s are a warm-up."
                        + " %s. The move verified at rest first: %.2f s, %s rows/s.%n%n",
                title,
                num(live, "writers"),
                num(live, "rows"),
                num(live, "rate"),
                num(live, "window_seconds"),
                num(live, "window_seconds"),
                num(live, "window_seconds"),
                live.get("both_sides"),
                dbl(map(live, "at_rest"), "seconds"),
                rate(dbl(map(live, "at_rest"), "rows_per_second"))));
        b.append("| window | writes | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|\n");
        for (String w : List.of("before", "with_verification", "after", "without_verification")) {
            Map<?, ?> m = map(live, w);
            b.append(format(
                    "| %s | %,d | %.1f | %.1f | %.1f |%n",
                    w.replace('_', ' '), num(m, "count"), dbl(m, "p50_ms"), dbl(m, "p99_ms"), dbl(m, "max_ms")));
        }
        b.append("\n| verification under writes | seconds | rows/s | drift | suspects cleared | unresolved | passed |\n"
                + "|---:|---:|---:|---:|---:|---:|---|\n");
        int i = 0;
        for (Object o : (List<?>) live.get("verifications")) {
            Map<?, ?> v = (Map<?, ?>) o;
            b.append(format(
                    "| %d | %.2f | %s | %d | %d | %d | %s |%n",
                    ++i,
                    dbl(v, "seconds"),
                    rate(dbl(v, "rows_per_second")),
                    num(v, "drift_rows"),
                    num(v, "suspects_cleared"),
                    num(v, "unresolved"),
                    v.get("passed")));
        }
    }

    private static long leastFound(Map<?, ?> summary) {
        return ((List<?>) summary.get("runs"))
                .stream().mapToLong(r -> num((Map<?, ?>) r, "keys_found")).min().orElse(0);
    }

    private static String millions(long rows) {
        return rows >= 1_000_000 && rows % 1_000_000 == 0 ? rows / 1_000_000 + "M" : format("%,d", rows);
    }

    private static String rate(double perSecond) {
        return format("%.2fM", perSecond / 1e6);
    }
}
