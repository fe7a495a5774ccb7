package dev.tandem.bench;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The second baseline: Debezium's embedded engine reading the source's changes through the pgoutput
 * plugin and handing them to a consumer that writes nowhere, so the figure is what Debezium alone costs
 * (an upper bound for any pipeline built on it). The records stay Kafka Connect {@link SourceRecord}s:
 * no serialisation, the cheapest format the engine offers. Offsets are kept in memory.
 *
 * <p>The slot is created in {@link #prepare}, before any change, and the engine starts with {@code
 * snapshot.mode=no_data} (3.6 has no {@code never}): it reads no rows, and with no stored offset it
 * streams from the slot's position, so it reads exactly the changes written after {@code prepare}.
 * The harness checks that it read every one.
 */
final class DebeziumDelivery implements ChangeDelivery {
    private final Clock clock;
    private Store source;
    private Listener listener;
    private DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private ExecutorService thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    DebeziumDelivery(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String key() {
        return "debezium";
    }

    @Override
    public String name() {
        return "Debezium embedded (read only)";
    }

    @Override
    public boolean appliesToTarget() {
        return false;
    }

    /** Debezium writes nowhere here, so a live run would measure the writer alone. */
    @Override
    public Set<Scenario> scenarios() {
        return EnumSet.of(Scenario.DRAIN, Scenario.LATENCY);
    }

    @Override
    public void prepare(Store source, Store target, Listener listener) {
        this.source = source;
        this.listener = listener;
        source.exec(
                "CREATE PUBLICATION bench_dbz_pub FOR TABLE bench_orders",
                "SELECT pg_create_logical_replication_slot('" + slot() + "', 'pgoutput')");
    }

    /** The engine's configuration; poll.interval.ms is 10 ms, as the latency figure calls for. */
    Properties properties() {
        Properties p = new Properties();
        p.setProperty("name", "bench-debezium");
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
        p.setProperty("offset.flush.interval.ms", "60000");
        p.setProperty("database.hostname", "localhost");
        p.setProperty("database.port", String.valueOf(source.port()));
        p.setProperty("database.user", Store.USER);
        p.setProperty("database.password", "");
        p.setProperty("database.dbname", source.database());
        p.setProperty("topic.prefix", "bench");
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", slot());
        p.setProperty("publication.name", "bench_dbz_pub");
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("table.include.list", "public.bench_orders");
        p.setProperty("snapshot.mode", "no_data");
        p.setProperty("tombstones.on.delete", "false");
        p.setProperty("poll.interval.ms", "10");
        return p;
    }

    @Override
    public void start() {
        engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(properties())
                .notifying(this::handle)
                .using((success, message, error) -> {
                    if (!success) {
                        failure.set(error != null ? error : new IllegalStateException(message));
                        BenchDb.log("Debezium stopped: " + message);
                    }
                })
                .build();
        thread = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name("bench-debezium").daemon().factory());
        thread.execute(engine);
    }

    private void handle(
            List<RecordChangeEvent<SourceRecord>> batch,
            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        long now = WorkloadWriter.micros(clock.instant());
        for (RecordChangeEvent<SourceRecord> event : batch) {
            if (event.record().value() instanceof Struct value) {
                if ("d".equals(value.getString("op"))) {
                    listener.delivered(new Delivered(value.getStruct("before").getInt64("id"), 0, true, now));
                } else {
                    Struct after = value.getStruct("after");
                    listener.delivered(new Delivered(after.getInt64("id"), after.getInt64("change_no"), false, now));
                }
            }
            committer.markProcessed(event);
        }
        committer.markBatchFinished();
    }

    @Override
    public void check() {
        if (failure.get() != null) {
            throw new IllegalStateException(
                    "the Debezium engine stopped: " + failure.get().getMessage(), failure.get());
        }
    }

    @Override
    public void close() throws Exception {
        if (engine != null) {
            try {
                engine.close();
            } catch (IllegalStateException e) {
                // already stopped on its own; its failure was reported by check()
            }
            thread.shutdown();
            if (!thread.awaitTermination(60, TimeUnit.SECONDS)) {
                BenchDb.log("Debezium did not stop within 60 s");
            }
        }
        if (source != null) {
            dropSlot(Duration.ofSeconds(30));
            source.exec("DROP PUBLICATION bench_dbz_pub");
        }
    }

    /** The walsender lets go of the slot shortly after the engine disconnects. */
    private void dropSlot(Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            try {
                source.exec("SELECT pg_drop_replication_slot('" + slot() + "')");
                return;
            } catch (IllegalStateException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private String slot() {
        return "bench_dbz_" + source.database();
    }
}
