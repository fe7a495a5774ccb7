package dev.tandem.client;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import java.time.Duration;
import java.util.Objects;

/**
 * How a migration's reads are shadowed: after the caller's read returns, a sampled share of reads is
 * repeated on the other side and the two results are compared, off the request thread. Shadow reads
 * run only while both sides are served (BACKFILLED through CUT_OVER). Immutable; built with {@link
 * #builder()}.
 *
 * <p>The other side's read takes a connection from the same DataSource as the caller's reads, at most
 * {@link #threads()} at a time. The result the caller got is handed to the comparator as it is, so it
 * must not be changed by the caller afterwards (records, immutable maps and lists are safe).
 */
public final class ShadowReads {
    private final double sampleRate;
    private final ShadowComparator comparator;
    private final int threads;
    private final int queueCapacity;
    private final Duration timeout;
    private final int samplesKept;

    private ShadowReads(Builder b) {
        this.sampleRate = b.sampleRate;
        this.comparator = b.comparator;
        this.threads = b.threads;
        this.queueCapacity = b.queueCapacity;
        this.timeout = b.timeout;
        this.samplesKept = b.samplesKept;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The share of reads shadowed, 0 to 1. */
    public double sampleRate() {
        return sampleRate;
    }

    public ShadowComparator comparator() {
        return comparator;
    }

    /** The threads that read the other side (default 1). */
    public int threads() {
        return threads;
    }

    /** Sampled reads waiting for a thread; when full, more are dropped and counted (default 100). */
    public int queueCapacity() {
        return queueCapacity;
    }

    /** The longest a comparison may take before it counts as an error (default 1 s). */
    public Duration timeout() {
        return timeout;
    }

    /** How many of the latest mismatches are kept (default 20). */
    public int samplesKept() {
        return samplesKept;
    }

    /** Builds a {@link ShadowReads}; every setting is checked where it is set. Not thread-safe. */
    public static final class Builder {
        private double sampleRate = 0.01;
        private ShadowComparator comparator = ShadowComparator.fields();
        private int threads = 1;
        private int queueCapacity = 100;
        private Duration timeout = Duration.ofSeconds(1);
        private int samplesKept = 20;

        private Builder() {}

        /** The share of reads shadowed, 0 to 1 (default 0.01). */
        public Builder sampleRate(double rate) {
            require(rate >= 0 && rate <= 1, "the shadow sample rate must be between 0 and 1, got " + rate);
            this.sampleRate = rate;
            return this;
        }

        /** How results are compared (default {@link ShadowComparator#fields()}). */
        public Builder comparator(ShadowComparator comparator) {
            this.comparator = Objects.requireNonNull(comparator, "comparator");
            return this;
        }

        public Builder threads(int threads) {
            require(threads >= 1 && threads <= 16, "shadow threads must be 1 to 16, got " + threads);
            this.threads = threads;
            return this;
        }

        public Builder queueCapacity(int capacity) {
            require(capacity >= 1, "the shadow queue capacity must be at least 1, got " + capacity);
            this.queueCapacity = capacity;
            return this;
        }

        public Builder timeout(Duration timeout) {
            require(
                    timeout != null && timeout.isPositive(),
                    "the shadow comparison timeout must be positive, got " + timeout);
            this.timeout = timeout;
            return this;
        }

        public Builder samplesKept(int samples) {
            require(samples >= 0 && samples <= 1000, "shadow samples kept must be 0 to 1000, got " + samples);
            this.samplesKept = samples;
            return this;
        }

        public ShadowReads build() {
            return new ShadowReads(this);
        }
    }

    static void require(boolean ok, String message) {
        if (!ok) {
            throw new TandemException(ErrorCode.USAGE, message);
        }
    }
}
