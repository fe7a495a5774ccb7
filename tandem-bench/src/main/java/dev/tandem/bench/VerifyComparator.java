package dev.tandem.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The baseline of the verification benchmark: pg_comparator (Debian's postgresql-comparator 2.3.2) on the
 * same two tables, run as a subprocess and timed end to end, from the fork to its exit (its Perl start,
 * about half a second, included: that is what an operator waits for). Its defaults throughout: the
 * {@code ck} checksum of 8 bytes, the {@code sum} aggregate, folding factor 7, asynchronous queries in
 * one transaction per side, temporary checksum tables; the key {@code id}, every other column compared.
 * It prints one line per differing key ({@code UPDATE k}, {@code INSERT k} for a row only the first table
 * has, {@code DELETE k} for one only the second has), which are parsed, so that a run that misses a
 * planted key says so.
 */
final class VerifyComparator {
    static final String EXECUTABLE = "pg_comparator";

    private static final Pattern DIFF = Pattern.compile("^(UPDATE|INSERT|DELETE) (.+)$");

    /** One differing key as pg_comparator reported it. */
    record Diff(String kind, String key) {}

    /**
     * A run.
     *
     * @param command what ran, to state in the report
     * @param seconds from the start of the process to its exit
     * @param exitCode pg_comparator's exit status
     * @param diffs the keys it reported
     * @param errors what it wrote to standard error
     */
    record Run(List<String> command, double seconds, int exitCode, List<Diff> diffs, String errors) {
        Map<String, Object> figures(long rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seconds", seconds);
            m.put("rows_per_second", rows / seconds);
            m.put("exit_code", (long) exitCode);
            m.put("differences_reported", (long) diffs.size());
            return m;
        }
    }

    private VerifyComparator() {}

    /** Compares {@code table} in {@code old} (the first, the reference) with the same table in {@code neu}. */
    static Run run(Store old, Store neu, String table) throws IOException, InterruptedException, ExecutionException {
        List<String> command = List.of(EXECUTABLE, url(old, table), url(neu, table));
        long began = System.nanoTime();
        Process p = new ProcessBuilder(command).start();
        FutureTask<String> errors = new FutureTask<>(() -> read(p.getErrorStream()));
        Thread.ofPlatform().name("bench-pg-comparator-stderr").daemon().start(errors);
        String out = read(p.getInputStream());
        if (!p.waitFor(30, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " ran for 30 minutes");
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        List<Diff> diffs = new ArrayList<>();
        for (String line : out.split("\n")) {
            Matcher m = DIFF.matcher(line.strip());
            if (m.matches()) {
                diffs.add(new Diff(m.group(1), m.group(2)));
            }
        }
        String err = errors.get();
        // With no differences it exits 0; a failure (a connection, a missing extension) prints to stderr.
        if (p.exitValue() != 0 && diffs.isEmpty()) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + p.exitValue() + ": " + err + out);
        }
        return new Run(command, seconds, p.exitValue(), List.copyOf(diffs), err.strip());
    }

    /** The connection URL pg_comparator takes: the key {@code id}, and every other column by default. */
    static String url(Store store, String table) {
        return "pgsql://" + Store.USER + "@localhost:" + store.port() + "/" + store.database() + "/public." + table
                + "?id";
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(could not read: " + e.getMessage() + ")";
        }
    }
}
