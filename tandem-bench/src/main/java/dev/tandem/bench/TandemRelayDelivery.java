package dev.tandem.bench;

import dev.tandem.relay.MoveSpec;
import dev.tandem.relay.Moves;
import dev.tandem.relay.Relay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * tandem's relay as the relay benchmarks measure it: capture on the source's {@code bench_orders}, and
 * {@code relays} relays delivering to the target's, as {@code tandem relay} runs them. Each relay is a
 * thread of this process, as several {@code tandem relay} processes would be.
 */
final class TandemRelayDelivery implements ChangeDelivery {
    static final MoveSpec MOVE = move();

    private final int relays;
    private final List<Relay> running = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private Store source;
    private Store target;

    TandemRelayDelivery(int relays) {
        this.relays = relays;
    }

    private static MoveSpec move() {
        Map<String, String> columns = new LinkedHashMap<>();
        for (String c : List.of("id", "customer_id", "total", "status", "note", "change_no", "updated_at")) {
            columns.put(c, c);
        }
        return new MoveSpec(
                "bench_move.bench_orders",
                "public",
                "bench_orders",
                List.of("id"),
                "public",
                "bench_orders",
                columns,
                List.of("id"));
    }

    @Override
    public String key() {
        return relays == 1 ? "tandem_relay" : "tandem_relay_x" + relays;
    }

    @Override
    public String name() {
        return relays == 1 ? "tandem relay" : "tandem relay, " + relays + " at once";
    }

    @Override
    public boolean appliesToTarget() {
        return true;
    }

    @Override
    public void prepare(Store source, Store target, Listener listener) throws Exception {
        this.source = source;
        this.target = target;
        Moves.prepare(source.dataSource("tandem-capture"), target.dataSource("tandem-relay"), MOVE);
    }

    @Override
    public void start() {
        for (int i = 0; i < relays; i++) {
            Relay relay = Relay.builder(source.dataSource("tandem-relay"))
                    .move(MOVE, target.dataSource("tandem-relay"))
                    .batchSize(2000)
                    .pollInterval(Duration.ofMillis(100))
                    .build();
            running.add(relay);
            Thread t = Thread.ofPlatform().name("tandem-relay-" + i).start(() -> {
                try {
                    relay.run();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            threads.add(t);
        }
    }

    @Override
    public void check() {
        Throwable e = failure.get();
        if (e != null) {
            throw new IllegalStateException("a relay stopped: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws Exception {
        running.forEach(Relay::stop);
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(30));
        }
        if (source != null) {
            Moves.remove(source.dataSource("tandem-capture"), target.dataSource("tandem-relay"), MOVE);
            source.exec("TRUNCATE tandem.outbox");
        }
    }
}
