package dev.tandem.bench;

import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineListener;
import dev.tandem.postgres.TransitionRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A live OLTP workload (pgbench TPC-B, several clients, random rows of pgbench_accounts) running
 * through a whole migration of the table it writes: start, backfill, then complete or rollback.
 * Compared with the same workload, same duration, without a migration.
 */
final class LiveWorkloadBench {
    static final String MIGRATION = """
              - alter_column: { table: pgbench_accounts, column: abalance, type: bigint, up: abalance::bigint, down: abalance::int }
            """;

    /**
     * The extended protocol with unnamed statements. With {@code -M prepared}, pgbench aborts a client
     * when a cached plan's result type changes (abalance becomes bigint at complete): a property of
     * server-side prepared statements under any type change, which drivers such as pgjdbc recover
     * from by re-preparing, and pgbench does not.
     */
    static final String PROTOCOL = "extended";

    record Settings(int scale, int clients, int seconds, int migrationDelaySeconds) {}

    private LiveWorkloadBench() {}

    /** One pgbench run; the migration runs during it unless {@code finish} is null. */
    static Map<String, Object> run(BenchDb db, Settings s, String finish) throws Exception {
        pgbench(db, List.of("-i", "-q", "-s", String.valueOf(s.scale())), null);
        db.exec("VACUUM ANALYZE;\nCHECKPOINT");
        Path logs = Files.createTempDirectory("tandem-pgbench");
        LockSampler sampler = new LockSampler(db);
        Thread samplerThread = Thread.ofPlatform().daemon().start(sampler);
        List<String> args = List.of(
                "-c",
                String.valueOf(s.clients()),
                "-j",
                String.valueOf(Math.min(2, s.clients())),
                "-T",
                String.valueOf(s.seconds()),
                "-M",
                PROTOCOL,
                "-l",
                "--log-prefix",
                logs.resolve("tx").toString());
        Process workload = start(db, args);
        Map<String, Object> migration = new LinkedHashMap<>();
        if (finish != null) {
            Thread.sleep(s.migrationDelaySeconds() * 1000L);
            Engine engine = db.engine(EngineListener.NONE, true);
            long t = System.nanoTime();
            engine.start(BenchDb.migration("live_" + finish, MIGRATION));
            migration.put("start_and_backfill_seconds", (System.nanoTime() - t) / 1e9);
            t = System.nanoTime();
            if (finish.equals("complete")) {
                engine.complete(TransitionRequest.active());
            } else {
                engine.rollback(TransitionRequest.active());
            }
            migration.put(finish + "_seconds", (System.nanoTime() - t) / 1e9);
        }
        String output = new String(workload.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = workload.waitFor();
        sampler.running.set(false);
        samplerThread.join();

        List<Long> latencies = new ArrayList<>();
        try (var files = Files.list(logs)) {
            for (Path f : files.toList()) {
                for (String line : Files.readAllLines(f)) {
                    String[] parts = line.trim().split("\\s+");
                    if (parts.length >= 3) {
                        latencies.add(Long.parseLong(parts[2]));
                    }
                }
            }
        }
        latencies.sort(Long::compare);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("migration", finish == null ? "none (baseline)" : "start, backfill, " + finish);
        r.put("clients", s.clients());
        r.put("seconds", s.seconds());
        r.put("tps", number(output, "tps = ([0-9.]+)"));
        r.put("transactions", latencies.size());
        r.put("p50_ms", percentile(latencies, 0.50) / 1000.0);
        r.put("p99_ms", percentile(latencies, 0.99) / 1000.0);
        r.put("max_ms", latencies.isEmpty() ? 0 : latencies.getLast() / 1000.0);
        r.put("failed_transactions", (long) number(output, "number of failed transactions: ([0-9]+)"));
        r.put(
                "aborted_clients",
                output.lines().filter(l -> l.contains("aborted")).count());
        r.put(
                "pgbench_errors",
                output.lines()
                        .filter(l -> l.contains("aborted") || l.contains("ERROR"))
                        .limit(5)
                        .toList()
                        .toString());
        r.put("pgbench_exit_code", exit);
        r.put("longest_lock_wait_ms", sampler.longestAnyMicros.get() / 1000.0);
        r.put("longest_lock_wait_behind_tandem_ms", sampler.longestBehindTandemMicros.get() / 1000.0);
        r.putAll(migration);
        BenchDb.log("live workload " + r);
        return r;
    }

    private static double number(String output, String regex) {
        Matcher m = Pattern.compile(regex).matcher(output);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private static long percentile(List<Long> sorted, double p) {
        return sorted.isEmpty() ? 0 : sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1));
    }

    private static List<String> command(BenchDb db, List<String> args) {
        List<String> cmd = new ArrayList<>(
                List.of("pgbench", "-h", "localhost", "-p", String.valueOf(db.db.port()), "-U", db.db.user()));
        cmd.addAll(args);
        cmd.add(db.db.name());
        return cmd;
    }

    private static Process start(BenchDb db, List<String> args) throws IOException {
        return new ProcessBuilder(command(db, args)).redirectErrorStream(true).start();
    }

    private static void pgbench(BenchDb db, List<String> args, String ignored)
            throws IOException, InterruptedException {
        Process p = start(db, args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("pgbench " + args + " failed:\n" + out);
        }
    }

    /**
     * Samples pg_stat_activity every 5 ms: the longest time a pgbench session has been waiting on a
     * lock, and the longest such wait where tandem's session is among the blockers.
     */
    static final class LockSampler implements Runnable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong longestAnyMicros = new AtomicLong();
        final AtomicLong longestBehindTandemMicros = new AtomicLong();
        private final BenchDb db;

        LockSampler(BenchDb db) {
            this.db = db;
        }

        @Override
        public void run() {
            String sql = """
                    SELECT coalesce(max(extract(epoch FROM clock_timestamp() - a.query_start)), 0) * 1e6,
                           coalesce(max(extract(epoch FROM clock_timestamp() - a.query_start)) FILTER (WHERE EXISTS (
                               SELECT 1 FROM pg_stat_activity b WHERE b.pid = ANY (pg_blocking_pids(a.pid)) AND b.application_name = 'tandem')), 0) * 1e6
                    FROM pg_stat_activity a
                    WHERE a.application_name = 'pgbench' AND a.wait_event_type = 'Lock'""";
            try (Connection c = db.dataSource("bench-sampler").getConnection();
                    PreparedStatement ps = c.prepareStatement(sql)) {
                while (running.get()) {
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        longestAnyMicros.accumulateAndGet(rs.getLong(1), Math::max);
                        longestBehindTandemMicros.accumulateAndGet(rs.getLong(2), Math::max);
                    }
                    Thread.sleep(5);
                }
            } catch (SQLException | InterruptedException e) {
                BenchDb.log("lock sampler stopped: " + e.getMessage());
            }
        }
    }
}
