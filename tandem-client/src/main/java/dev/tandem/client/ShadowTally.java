package dev.tandem.client;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** The counts of one migration's shadow reads and its latest mismatches. Thread-safe. */
final class ShadowTally {
    final AtomicLong compared = new AtomicLong();
    final AtomicLong mismatched = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    // Guarded by itself.
    private final ArrayDeque<ShadowSample> samples = new ArrayDeque<>();

    void mismatch(ShadowSample sample, int keep) {
        mismatched.incrementAndGet();
        synchronized (samples) {
            samples.addLast(sample);
            while (samples.size() > keep) {
                samples.removeFirst();
            }
        }
    }

    ShadowStats stats() {
        List<ShadowSample> latest;
        synchronized (samples) {
            latest = List.copyOf(samples);
        }
        return new ShadowStats(compared.get(), mismatched.get(), dropped.get(), errors.get(), latest);
    }
}
