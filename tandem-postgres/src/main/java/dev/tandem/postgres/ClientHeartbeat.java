package dev.tandem.postgres;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * One client instance's last heartbeat for a migration, from {@code tandem.heartbeats}: which side
 * it uses, when it was last seen, and its shadow-read counts. {@code readsNewPercent} is null when
 * the client did not report it. {@code age} is how long ago it was seen, by the database's clock
 * (which wrote {@code seenAt}); {@code stale} says it is older than {@link #STALE_AFTER}, so the
 * instance has probably stopped. {@code samples} are its latest shadow-read differences.
 */
public record ClientHeartbeat(
        String service,
        String instance,
        Side side,
        Integer readsNewPercent,
        Instant seenAt,
        Duration age,
        boolean stale,
        long shadowCompared,
        long shadowMismatched,
        List<ShadowSample> samples) {

    /**
     * A heartbeat older than this is shown as stale: six of tandem-client's default heartbeat
     * intervals (5 s) went by without one, so the instance has likely stopped (it still counts for
     * {@code complete}'s gate until the soak time passes).
     */
    public static final Duration STALE_AFTER = Duration.ofSeconds(30);

    public ClientHeartbeat {
        samples = List.copyOf(samples);
    }

    /** The side an instance uses: {@code both} while its reads are split between the shapes. */
    public enum Side {
        OLD,
        NEW,
        BOTH;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Whether an instance on this side still reads or writes the old shape. */
        public boolean usesOld() {
            return this != NEW;
        }

        static Side of(String wire) {
            return valueOf(wire.toUpperCase(Locale.ROOT));
        }
    }
}
