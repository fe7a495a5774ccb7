package dev.tandem.client;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The Micrometer meters of the client. The only class that names Micrometer; it is loaded only when
 * the service passed a registry.
 *
 * <ul>
 *   <li>{@code tandem.client.phase} (gauge, the phase's ordinal: PLANNED 0 .. ROLLED_BACK 6) and
 *       {@code tandem.client.stage} (gauge, the {@link Stage}'s ordinal), tagged {@code migration};
 *   <li>{@code tandem.client.reads.new.percent} (gauge), tagged {@code migration};
 *   <li>{@code tandem.client.reads} (counter), tagged {@code migration} and {@code side};
 *   <li>{@code tandem.client.shadow} (counter), tagged {@code migration} and {@code outcome}
 *       ({@code compared}, {@code mismatched}, {@code dropped}, {@code error}); the consistency rate
 *       is {@code 1 - mismatched / compared};
 *   <li>{@code tandem.client.fence.wait} (timer): how long writes waited through a cutover or revert;
 *   <li>{@code tandem.client.routing.errors} (counter), tagged {@code migration} and {@code reason}.
 * </ul>
 */
final class MicrometerMetrics implements ClientMetrics {
    private final MeterRegistry registry;
    // Meters by name and tags, so that a read does not build a meter id each time.
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    private MicrometerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Takes the registry as an Object so that callers never name Micrometer's types. */
    static ClientMetrics create(Object registry) {
        return new MicrometerMetrics((MeterRegistry) registry);
    }

    @Override
    public void watch(MigrationHandle handle) {
        Gauge.builder("tandem.client.phase", handle, h -> h.phase().ordinal())
                .tag("migration", handle.id())
                .description("the migration's phase, by ordinal: PLANNED 0 .. ROLLED_BACK 6")
                .register(registry);
        Gauge.builder("tandem.client.stage", handle, h -> h.stage().ordinal())
                .tag("migration", handle.id())
                .description("the client's stage, by ordinal: old 0, reads-split 1, reads-new 2, writes-new 3,"
                        + " complete 4, rolled-back 5")
                .register(registry);
        Gauge.builder("tandem.client.reads.new.percent", handle, MigrationHandle::readsNewPercent)
                .tag("migration", handle.id())
                .description("the share of routing keys that read the new side")
                .register(registry);
    }

    @Override
    public void read(String migration, Side side) {
        counter("tandem.client.reads", migration, "side", side.name().toLowerCase(Locale.ROOT))
                .increment();
    }

    @Override
    public void shadow(String migration, ShadowOutcome outcome) {
        counter("tandem.client.shadow", migration, "outcome", outcome.name().toLowerCase(Locale.ROOT))
                .increment();
    }

    private Counter counter(String name, String migration, String tag, String value) {
        return counters.computeIfAbsent(name + '\0' + migration + '\0' + tag + '\0' + value, k -> Counter.builder(name)
                .tag("migration", migration)
                .tag(tag, value)
                .register(registry));
    }

    @Override
    public void fenceWait(String migration, long nanos) {
        Timer.builder("tandem.client.fence.wait")
                .tag("migration", migration)
                .description("how long writes waited through a cutover or revert fence")
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void routingError(String migration, String reason) {
        counter("tandem.client.routing.errors", migration, "reason", reason).increment();
    }
}
