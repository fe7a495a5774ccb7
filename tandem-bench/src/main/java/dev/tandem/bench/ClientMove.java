package dev.tandem.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.core.Migration;
import dev.tandem.core.MigrationFiles;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineListener;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.postgres.TransitionRequest;
import dev.tandem.relay.MoveHook;
import dev.tandem.relay.Relay;
import dev.tandem.relay.Relays;
import dev.tandem.testkit.EmbeddedPostgres;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;

/**
 * The moved table of the client benchmarks: {@code orders} in the source store, moved by the engine
 * to {@code invoices} in the target store {@code billing} (two databases of the shared embedded server) (totals in cents), with the relays of both
 * directions running in named threads. The services' pools (HikariCP) over each store are here too.
 *
 * <p>Not thread-safe: one benchmark thread drives it. Close it to stop the relays and the pools.
 */
final class ClientMove implements AutoCloseable {
    static final String ID = "0007_move_orders";
    static final String STORE = "billing";

    private static final String MOVE = """
            id: 0007_move_orders
            service: orders
            owner: team-orders
            rationale: billing owns invoices now
            operations:
              - move_table:
                  table: orders
                  key: [id]
                  to: { store: billing, table: invoices }
                  columns: { id: id, customer_id: customer_id, total_cents: "(total * 100)::bigint" }
                  reverse: { total: "total_cents / 100.0" }
            """;

    /** The source rows and the target rows in one form, to compare them row for row. */
    private static final String SOURCE_ROWS = """
            SELECT count(*) || ' rows, md5 ' || coalesce(md5(string_agg(id || '|' || customer_id || '|'
                   || (total * 100)::bigint, ',' ORDER BY id)), '-') FROM orders""";

    private static final String TARGET_ROWS = """
            SELECT count(*) || ' rows, md5 ' || coalesce(md5(string_agg(id || '|' || customer_id || '|'
                   || total_cents, ',' ORDER BY id)), '-') FROM invoices""";

    final Store source;
    final Store target;
    final HikariDataSource sourcePool;
    final HikariDataSource targetPool;
    private final long rows;
    private final Engine engine;
    // Written by the engine's thread during a transition, read by the benchmark's thread after it.
    private final List<FenceNote> fenceNotes = new CopyOnWriteArrayList<>();
    private final List<Relay> relays;
    private final List<Thread> relayThreads = new ArrayList<>();

    private ClientMove(Store source, Store target, long rows, int poolSize) throws SQLException {
        this.source = source;
        this.target = target;
        this.rows = rows;
        source.exec(
                "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total numeric(12, 2))",
                "INSERT INTO orders SELECT g, g % 97, 10 FROM generate_series(1, " + rows + ") g",
                "VACUUM ANALYZE orders");
        target.exec("CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total_cents bigint)");
        DataSource sourceDs = source.dataSource("tandem");
        DataSource targetDs = target.dataSource("tandem");
        EngineListener listener = new EngineListener() {
            @Override
            public void info(String message) {
                if (message.startsWith("fence:")) {
                    fenceNotes.add(new FenceNote(System.nanoTime(), message));
                }
            }
        };
        this.engine = Engine.create(
                sourceDs,
                EngineOptions.builder()
                        .listener(listener)
                        .hook(MoveHook.builder(sourceDs)
                                .stores(Map.of(STORE, targetDs))
                                .listener(listener)
                                .build())
                        .build());
        Migration migration = MigrationFiles.parse(ID + ".yaml", MOVE);
        engine.start(migration);
        this.relays = Relays.of(sourceDs, Map.of(STORE, targetDs), b -> b);
        for (int i = 0; i < relays.size(); i++) {
            Relay relay = relays.get(i);
            relayThreads.add(
                    Thread.ofPlatform().name("bench-relay-" + (i + 1)).daemon().start(() -> {
                        try {
                            relay.run();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }));
        }
        this.sourcePool = pool(source, "orders-service", poolSize);
        this.targetPool = pool(target, "orders-service", poolSize);
    }

    /**
     * Creates two databases on the shared embedded server, the source with {@code rows} orders and the
     * target, starts the move and its relays.
     */
    static ClientMove start(long rows, int poolSize) throws SQLException {
        String suffix = "_" + System.nanoTime() % 100_000;
        EmbeddedPostgres.Database orders = EmbeddedPostgres.newDatabase("client_orders" + suffix);
        EmbeddedPostgres.Database billing = EmbeddedPostgres.newDatabase("client_billing" + suffix);
        return new ClientMove(
                new Store("source", orders.port(), orders.name()),
                new Store("target", billing.port(), billing.name()),
                rows,
                poolSize);
    }

    /**
     * The same move between two databases of another server (the verification benchmark's PostgreSQL 15),
     * empty but for what {@code CREATE DATABASE} puts there.
     */
    static ClientMove on(Store source, Store target, long rows, int poolSize) throws SQLException {
        return new ClientMove(source, target, rows, poolSize);
    }

    /** The source server's settings that matter to the figures, as it reports them. */
    Map<String, Object> settings() {
        Map<String, Object> settings = new LinkedHashMap<>();
        for (String name : RelayServers.REPORTED) {
            settings.put(name, source.query("SHOW " + name));
        }
        return settings;
    }

    long rows() {
        return rows;
    }

    /** The sum of every order's total in cents, on the source (as committed writes add one cent each). */
    long sourceCents() {
        return Long.parseLong(source.query("SELECT coalesce(sum((total * 100)::bigint), 0) FROM orders"));
    }

    static HikariDataSource pool(Store store, String name, int size) {
        HikariConfig config = new HikariConfig();
        config.setDataSource(store.dataSource(name));
        config.setPoolName(name + "-" + store.role());
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(size);
        return new HikariDataSource(config);
    }

    /** Runs the fenced cutover; returns how long the engine's call took, in nanoseconds. */
    long cutover() {
        long t = System.nanoTime();
        engine.cutover(TransitionRequest.of(ID));
        return System.nanoTime() - t;
    }

    /** Runs the fenced revert; returns how long the engine's call took, in nanoseconds. */
    long revert() {
        long t = System.nanoTime();
        engine.revert(TransitionRequest.of(ID));
        return System.nanoTime() - t;
    }

    /** What a fence reported (how long it held the writes, and what it delivered), and when. */
    record FenceNote(long atNanos, String message) {}

    /** What the fences reported, oldest first. */
    List<FenceNote> fenceNotes() {
        return List.copyOf(fenceNotes);
    }

    /** Waits until neither store's outbox holds a change, within {@code limit}. */
    void awaitDelivered(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if ("0".equals(source.query("SELECT count(*) FROM tandem.outbox"))
                    && "0".equals(target.query("SELECT count(*) FROM tandem.outbox"))) {
                return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("the relays did not deliver every change within " + limit);
    }

    /**
     * Compares both sides row for row (count and md5 of the ordered rows in cents); throws, naming
     * both, when they differ. Returns what both hold.
     */
    String requireEqual() {
        String s = source.query(SOURCE_ROWS);
        String t = target.query(TARGET_ROWS);
        if (!s.equals(t)) {
            throw new IllegalStateException(
                    "the two sides of the move differ after the cutover run: source " + s + ", target " + t);
        }
        return s;
    }

    @Override
    public void close() throws InterruptedException {
        relays.forEach(Relay::stop);
        for (Thread t : relayThreads) {
            t.join(10_000);
        }
        relays.forEach(Relay::close);
        sourcePool.close();
        targetPool.close();
    }
}
