package dev.tandem.bench;

import dev.tandem.bench.RelayWorkload.Change;
import dev.tandem.bench.RelayWorkload.Delete;
import dev.tandem.bench.RelayWorkload.Transaction;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Commit-to-arrival latency of every change of a paced run: the writer tells each transaction's commit
 * time, the delivery's arrivals are matched to changes afterwards (inserts and updates by {@code
 * change_no}, deletes by id, which the workload never deletes twice), and the first arrival of each
 * change counts. Both times come from the same machine clock.
 *
 * <p>Not thread-safe: the writer's thread records commits, then one thread replays arrivals.
 */
final class Latency {
    private final long[] commitMicros;
    private final long[] arrivalMicros;
    private final Map<Long, Long> deletes = new HashMap<>();

    Latency(long changes) {
        this.commitMicros = new long[Math.toIntExact(changes)];
        this.arrivalMicros = new long[Math.toIntExact(changes)];
    }

    /** A transaction's commit returned at {@code micros}: the time of each of its changes. */
    void committed(Transaction tx, long micros) {
        for (Change change : tx.changes()) {
            commitMicros[Math.toIntExact(change.changeNo() - 1)] = micros;
            if (change instanceof Delete d) {
                deletes.put(d.id(), d.changeNo());
            }
        }
    }

    /**
     * A change arrived at {@code atMicros}.
     *
     * @param changeNo the row's change number after an insert or update; 0 for a delete
     */
    void arrived(long id, long changeNo, long atMicros) {
        long c = changeNo != 0 ? changeNo : deletes.getOrDefault(id, 0L);
        if (c >= 1 && c <= arrivalMicros.length && arrivalMicros[(int) c - 1] == 0) {
            arrivalMicros[(int) c - 1] = atMicros;
        }
    }

    /** Percentiles in milliseconds over the changes that both committed and arrived. */
    Map<String, Object> figures() {
        long[] latencies = new long[commitMicros.length];
        int n = 0;
        long missing = 0;
        for (int i = 0; i < commitMicros.length; i++) {
            if (commitMicros[i] == 0) {
                continue;
            }
            if (arrivalMicros[i] == 0) {
                missing++;
            } else {
                latencies[n++] = arrivalMicros[i] - commitMicros[i];
            }
        }
        Arrays.sort(latencies, 0, n);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("changes_timed", (long) n);
        r.put("changes_missing", missing);
        // A change can show up a hair before the writer's commit call returns: the commit is visible
        // to the server first. Such a latency is negative, and min_ms says so.
        r.put("min_ms", (n == 0 ? 0 : latencies[0]) / 1000.0);
        r.put("p50_ms", percentile(latencies, n, 0.50) / 1000.0);
        r.put("p90_ms", percentile(latencies, n, 0.90) / 1000.0);
        r.put("p99_ms", percentile(latencies, n, 0.99) / 1000.0);
        r.put("max_ms", (n == 0 ? 0 : latencies[n - 1]) / 1000.0);
        return r;
    }

    static long percentile(long[] sorted, int n, double p) {
        return n == 0 ? 0 : sorted[(int) Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))];
    }
}
