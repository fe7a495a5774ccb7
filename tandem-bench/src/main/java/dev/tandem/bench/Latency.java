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
 * times, the delivery's arrivals are matched to changes afterwards (inserts and updates by {@code
 * change_no}, deletes by id, which the workload never deletes twice), and the first arrival of each
 * change counts. All times come from the same machine clock.
 *
 * <p>A latency runs from the moment the writer sent COMMIT, as a {@code clock_timestamp()} at the end of
 * the transaction would read it, so it includes the source's WAL flush and is never negative. The same
 * figures from the moment COMMIT returned are reported beside it: on a busy machine the writer may be
 * scheduled only after a fast delivery has applied the change, and those can be negative.
 *
 * <p>Not thread-safe: the writer's thread records commits, then one thread replays arrivals.
 */
final class Latency {
    private final long[] sentMicros;
    private final long[] returnedMicros;
    private final long[] arrivalMicros;
    private final Map<Long, Long> deletes = new HashMap<>();

    Latency(long changes) {
        this.sentMicros = new long[Math.toIntExact(changes)];
        this.returnedMicros = new long[Math.toIntExact(changes)];
        this.arrivalMicros = new long[Math.toIntExact(changes)];
    }

    /** A transaction's COMMIT was sent and returned at these times: the times of each of its changes. */
    void committed(Transaction tx, long sent, long returned) {
        for (Change change : tx.changes()) {
            int i = Math.toIntExact(change.changeNo() - 1);
            sentMicros[i] = sent;
            returnedMicros[i] = returned;
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
        long[] fromSent = new long[sentMicros.length];
        long[] fromReturned = new long[sentMicros.length];
        int n = 0;
        long missing = 0;
        for (int i = 0; i < sentMicros.length; i++) {
            if (sentMicros[i] == 0) {
                continue;
            }
            if (arrivalMicros[i] == 0) {
                missing++;
            } else {
                fromSent[n] = arrivalMicros[i] - sentMicros[i];
                fromReturned[n++] = arrivalMicros[i] - returnedMicros[i];
            }
        }
        Arrays.sort(fromSent, 0, n);
        Arrays.sort(fromReturned, 0, n);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("changes_timed", (long) n);
        r.put("changes_missing", missing);
        r.put("p50_ms", percentile(fromSent, n, 0.50) / 1000.0);
        r.put("p90_ms", percentile(fromSent, n, 0.90) / 1000.0);
        r.put("p99_ms", percentile(fromSent, n, 0.99) / 1000.0);
        r.put("max_ms", (n == 0 ? 0 : fromSent[n - 1]) / 1000.0);
        r.put("from_commit_returned_min_ms", (n == 0 ? 0 : fromReturned[0]) / 1000.0);
        r.put("from_commit_returned_p50_ms", percentile(fromReturned, n, 0.50) / 1000.0);
        r.put("from_commit_returned_p99_ms", percentile(fromReturned, n, 0.99) / 1000.0);
        return r;
    }

    static long percentile(long[] sorted, int n, double p) {
        return n == 0 ? 0 : sorted[(int) Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))];
    }
}
