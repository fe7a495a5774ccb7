package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.Test;

/** The throttle's promise, on an injected clock: no window of a second or more ever exceeds the limit. */
class BackfillThrottleTest {
    private static final long SECOND = 1_000_000_000L;

    /** The fake clock, in nanoseconds; the throttle's sleeps advance it. */
    private long now;

    private record Batch(long start, long commit, long rows) {}

    private BackfillThrottle throttle(long rowsPerSecond) {
        return new BackfillThrottle(rowsPerSecond, () -> now, nanos -> now += nanos);
    }

    @Test
    void shouldHoldTheLimitOverEveryWindowOfASecondOrMoreWhateverTheBatchesDo() throws Exception {
        long[] rates = {7, 100, 1_000, 37_000};
        for (int seed = 1; seed <= 40; seed++) {
            RandomGenerator random =
                    RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
            long rate = rates[seed % rates.length];
            now = random.nextLong(0, 1_000 * SECOND);
            long t0 = now;
            BackfillThrottle throttle = throttle(rate);
            List<Batch> batches = new ArrayList<>();
            long lastStart = t0;
            for (int k = 0; k < 250; k++) {
                if (random.nextInt(10) == 0) {
                    now += random.nextLong(0, 3 * SECOND); // a pause, a brake: idle time earns no credit
                }
                long planned = 1 + random.nextInt(throttle.maxBatch());
                long rows = random.nextInt(8) == 0 ? random.nextLong(planned + 1) : planned;
                throttle.awaitStart(planned);
                long start = now;
                lastStart = start;
                now += random.nextInt(4) == 0 ? 0 : random.nextLong(0, SECOND / 4); // the UPDATE and commit
                if (random.nextInt(20) == 0) {
                    continue; // a lock timeout: rolled back, nothing committed
                }
                throttle.committed(rows);
                batches.add(new Batch(start, now, rows));
            }

            long total = 0;
            for (int k = 0; k < batches.size(); k++) {
                long rows = 0;
                for (int i = k; i >= 0; i--) {
                    rows += batches.get(i).rows();
                    // Rows of batches i..k all fall in any window reaching from batch i's commit to batch k's start.
                    long span =
                            i == k ? 0 : batches.get(k).start() - batches.get(i).commit();
                    assertThat(rows * SECOND)
                            .as("seed %d, rate %d: batches %d..%d", seed, rate, i, k)
                            .isLessThanOrEqualTo(rate * Math.max(SECOND, span));
                }
                total += batches.get(k).rows();
            }
            assertThat(total * SECOND)
                    .as("seed %d: the whole run, the last batch included", seed)
                    .isLessThanOrEqualTo(rate * (lastStart - t0));
        }
    }

    @Test
    void shouldRunCloseToTheLimitWhenTheDatabaseIsFast() throws Exception {
        long rate = 1_000;
        BackfillThrottle throttle = throttle(rate);
        long t0 = now;
        long rows = 0;
        while (now - t0 < 20 * SECOND) {
            throttle.awaitStart(throttle.maxBatch());
            throttle.committed(throttle.maxBatch());
            rows += throttle.maxBatch();
        }
        double observed = rows * (double) SECOND / (now - t0);
        assertThat(observed).isBetween(0.94 * rate, 1.0 * rate);
    }

    @Test
    void shouldCapBatchesAtATwentiethOfASecondsWorth() {
        assertThat(throttle(1_000).maxBatch()).isEqualTo(50);
        assertThat(throttle(7).maxBatch()).isEqualTo(1);
        assertThat(throttle(0).maxBatch()).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void shouldNeverWaitWithoutALimit() throws Exception {
        BackfillThrottle throttle = throttle(0);
        long t0 = now;
        for (int i = 0; i < 100; i++) {
            throttle.awaitStart(1_000_000);
            throttle.committed(1_000_000);
        }
        assertThat(now).isEqualTo(t0);
    }
}
