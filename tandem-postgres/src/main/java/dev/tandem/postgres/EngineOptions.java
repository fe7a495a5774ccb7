package dev.tandem.postgres;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How the engine behaves. Built with {@link #builder()}; every setting has a safe default.
 *
 * @param lockTimeout the longest any tandem statement may wait for a lock, so the longest it can make
 *     another session queue behind it (default 500 ms)
 * @param maxAttempts how many times a statement that hit the lock timeout is tried in all (default 10)
 * @param batchTarget how long one backfill batch should take (default 100 ms)
 * @param maxRowsPerSecond a backfill throttle, held over any window of a second or more; 0 means none
 * @param backfill whether {@code start} runs the backfill itself (default true)
 * @param backfillTriggers whether the backfill's own updates fire the table's own triggers (default
 *     {@link BackfillTriggers#SKIP})
 * @param hook the work another module does at the engine's stages (default none)
 * @param clientSoak how long no client may have been seen on the old shape before {@code complete}
 *     removes it (default 10 minutes): heartbeats come every few seconds, so a client seen within it
 *     is probably still running; zero turns the check off
 */
public record EngineOptions(
        Duration lockTimeout,
        int maxAttempts,
        Duration batchTarget,
        long maxRowsPerSecond,
        boolean backfill,
        BackfillTriggers backfillTriggers,
        EngineListener listener,
        Clock clock,
        String actor,
        StageHook hook,
        Duration clientSoak) {

    public EngineOptions {
        Objects.requireNonNull(hook, "hook");
        Objects.requireNonNull(backfillTriggers, "backfillTriggers");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(clock, "clock");
        requireArgument(
                !lockTimeout.isNegative() && !lockTimeout.isZero(),
                "lock timeout must be positive, got " + lockTimeout);
        requireArgument(maxAttempts >= 1, "max attempts must be at least 1, got " + maxAttempts);
        requireArgument(
                !batchTarget.isNegative() && !batchTarget.isZero(),
                "batch target must be positive, got " + batchTarget);
        requireArgument(
                maxRowsPerSecond >= 0, "max rows per second must be 0 (no limit) or more, got " + maxRowsPerSecond);
        Objects.requireNonNull(clientSoak, "clientSoak");
        requireArgument(!clientSoak.isNegative(), "the client soak time must be zero or more, got " + clientSoak);
    }

    /**
     * What the backfill does about the table's own triggers (an {@code updated_at} trigger, an audit
     * trigger): the backfill only assigns the new columns, so by default it does not fire them.
     */
    public enum BackfillTriggers {
        /**
         * Each batch runs with {@code session_replication_role = replica}, so the table's own (ENABLE
         * ORIGIN) triggers do not fire; the backfill refuses to begin if the role may not set it.
         */
        SKIP,
        /** The table's own triggers fire on every row the backfill updates. */
        FIRE
    }

    private static void requireArgument(boolean ok, String message) {
        if (!ok) {
            throw new TandemException(ErrorCode.USAGE, message);
        }
    }

    public static EngineOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
                .lockTimeout(lockTimeout)
                .maxAttempts(maxAttempts)
                .batchTarget(batchTarget)
                .maxRowsPerSecond(maxRowsPerSecond)
                .backfill(backfill)
                .backfillTriggers(backfillTriggers)
                .listener(listener)
                .clock(clock)
                .actor(actor)
                .hook(hook)
                .clientSoak(clientSoak);
    }

    public static final class Builder {
        private Duration lockTimeout = Duration.ofMillis(500);
        private int maxAttempts = 10;
        private Duration batchTarget = Duration.ofMillis(100);
        private long maxRowsPerSecond;
        private boolean backfill = true;
        private BackfillTriggers backfillTriggers = BackfillTriggers.SKIP;
        private EngineListener listener = EngineListener.NONE;
        private Clock clock = Clock.systemUTC();
        private String actor = System.getProperty("user.name", "unknown");
        private StageHook hook = StageHook.NONE;
        private Duration clientSoak = Duration.ofMinutes(10);

        private Builder() {}

        public Builder lockTimeout(Duration v) {
            lockTimeout = v;
            return this;
        }

        public Builder maxAttempts(int v) {
            maxAttempts = v;
            return this;
        }

        public Builder batchTarget(Duration v) {
            batchTarget = v;
            return this;
        }

        public Builder maxRowsPerSecond(long v) {
            maxRowsPerSecond = v;
            return this;
        }

        public Builder backfill(boolean v) {
            backfill = v;
            return this;
        }

        public Builder backfillTriggers(BackfillTriggers v) {
            backfillTriggers = v;
            return this;
        }

        public Builder listener(EngineListener v) {
            listener = v;
            return this;
        }

        public Builder clock(Clock v) {
            clock = v;
            return this;
        }

        public Builder actor(String v) {
            actor = v;
            return this;
        }

        public Builder hook(StageHook v) {
            this.hook = v;
            return this;
        }

        public Builder clientSoak(Duration v) {
            clientSoak = v;
            return this;
        }

        public EngineOptions build() {
            return new EngineOptions(
                    lockTimeout,
                    maxAttempts,
                    batchTarget,
                    maxRowsPerSecond,
                    backfill,
                    backfillTriggers,
                    listener,
                    clock,
                    actor,
                    hook,
                    clientSoak);
        }
    }
}
