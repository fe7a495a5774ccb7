package dev.tandem.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * How the relay benchmarks know a delivery has caught up, whatever the delivery: the fence the writer
 * moved last has reached the target (or the reader's listener), and then the target equals the source
 * row for row (or the reader saw every change). Logical replication applies in commit order, so the
 * fence is exact for it; a delivery that applies out of order still has to pass the fingerprint.
 */
final class CatchUp {
    private CatchUp() {}

    /**
     * Waits for the fence to reach the target (or the delivery's listener), polling every 2 ms and
     * asking the delivery every second whether it still runs; returns System.nanoTime then.
     */
    static long awaitFence(ChangeDelivery d, Store target, Received received, long fence) throws Exception {
        Waiting waiting = new Waiting(d, fence);
        if (!d.appliesToTarget()) {
            while (!received.sawFence(fence)) {
                waiting.aBit();
            }
            return System.nanoTime();
        }
        try (Connection c = target.connect("bench-fence-watch");
                PreparedStatement ps = c.prepareStatement(OrdersTable.FENCE_VALUE)) {
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getLong(1) <= fence) {
                        return System.nanoTime();
                    }
                }
                waiting.aBit();
            }
        }
    }

    private static final class Waiting {
        private final ChangeDelivery delivery;
        private final long fence;
        private final long deadline = System.nanoTime() + RelayScenarios.DEADLINE.toNanos();
        private long checked = System.nanoTime();

        Waiting(ChangeDelivery delivery, long fence) {
            this.delivery = delivery;
            this.fence = fence;
        }

        void aBit() throws Exception {
            long now = System.nanoTime();
            if (now - checked > 1_000_000_000L) {
                delivery.check();
                checked = now;
            }
            if (now > deadline) {
                throw new IllegalStateException(delivery.name() + " did not deliver fence " + fence + " within "
                        + RelayScenarios.DEADLINE.toMinutes() + " min");
            }
            LockSupport.parkNanos(2_000_000L);
        }
    }

    /**
     * When a delivery caught up, and the proof that it did.
     *
     * @param at System.nanoTime when the fence had arrived and the target equalled the source
     */
    record CaughtUp(long at, Map<String, Object> proof) {}

    /**
     * Waits for the fence, then for the target to equal the source (or the reader to have seen every
     * change). A target that equals the source as soon as the fence arrives caught up when the fence
     * did; one that does not is fingerprinted again until it does, and caught up when the passing
     * fingerprint began.
     *
     * @param expected the source's fingerprint, or null to take it once the fence has arrived
     */
    static CaughtUp caughtUp(
            ChangeDelivery d, Store source, Store target, Received received, long fence, long changes, String expected)
            throws Exception {
        long at = awaitFence(d, target, received, fence);
        Map<String, Object> proof = new LinkedHashMap<>();
        if (!d.appliesToTarget()) {
            if (received.changes() != changes) {
                throw new IllegalStateException(d.name() + " read " + received.changes() + " changes, not " + changes);
            }
            proof.put("changes_received", received.changes());
            return new CaughtUp(at, proof);
        }
        String want = expected != null ? expected : OrdersTable.fingerprint(source);
        Waiting waiting = new Waiting(d, fence);
        long checks = 1;
        for (String actual = OrdersTable.fingerprint(target); !actual.equals(want); checks++) {
            waiting.aBit();
            at = System.nanoTime();
            actual = OrdersTable.fingerprint(target);
        }
        proof.put("target_equals_source", "yes (" + want + ")");
        proof.put("fingerprints_taken", checks);
        return new CaughtUp(at, proof);
    }

    static void requireEqual(Store source, Store target, String when) {
        String s = OrdersTable.fingerprint(source);
        String t = OrdersTable.fingerprint(target);
        if (!s.equals(t)) {
            throw new IllegalStateException("source and target differ " + when + ": " + s + " vs " + t);
        }
    }
}
