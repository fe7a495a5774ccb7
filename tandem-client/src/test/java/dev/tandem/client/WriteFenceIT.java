package dev.tandem.client;

import static dev.tandem.client.ClientFixture.await;
import static dev.tandem.client.ClientFixture.exec;
import static dev.tandem.client.ClientFixture.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.core.ErrorCode;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import dev.tandem.testkit.EmbeddedPostgres;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Writes of a moved table through a cutover and a revert, against two real stores. The fence is
 * played by hand, the way the relay's cutover does it: the authoritative table is locked, the other
 * side opened, the old side made to refuse writes with SQLSTATE TD001 (a trigger here), and {@code
 * tandem.moves.authoritative} flipped, announced on tandem_state.
 */
class WriteFenceIT {
    static final String MOVE = "0002_move_orders";

    static final String MOVE_FILE = """
            id: 0002_move_orders
            service: orders
            owner: team-orders
            rationale: billing owns invoices now
            operations:
              - move_table:
                  table: orders
                  key: [id]
                  to: { store: billing, table: invoices }
                  columns: { id: id, total: total }
            """;

    static String fencedTable(String table) {
        return """
                CREATE TABLE %1$s (id bigint PRIMARY KEY, total int NOT NULL);
                CREATE TABLE fence (refuse boolean NOT NULL);
                INSERT INTO fence VALUES (false);
                CREATE FUNCTION refuse_writes() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF (SELECT refuse FROM fence) THEN
                    RAISE EXCEPTION '%1$s does not take writes here any more: write to the other store'
                      USING ERRCODE = 'TD001';
                  END IF;
                  RETURN NEW;
                END $$;
                CREATE TRIGGER refuse_writes BEFORE INSERT OR UPDATE OR DELETE ON %1$s
                  FOR EACH ROW EXECUTE FUNCTION refuse_writes();
                """.formatted(table);
    }

    EmbeddedPostgres.Database source;
    EmbeddedPostgres.Database target;
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final List<HikariDataSource> pools = new ArrayList<>();
    final List<Double> lockHeldMillis = new ArrayList<>();
    final List<Long> releasedAt = new ArrayList<>();
    /** Each write's start and end (System.nanoTime()). */
    final ConcurrentLinkedQueue<long[]> spans = new ConcurrentLinkedQueue<>();

    Tandem tandem;

    @BeforeEach
    void stores() throws SQLException {
        source = EmbeddedPostgres.newDatabase();
        target = EmbeddedPostgres.newDatabase();
        // The engine makes the state schema; the move is recorded by hand, as the relay would.
        ClientFixture.startSplit(source.dataSource());
        exec(source.dataSource(), fencedTable("orders"));
        exec(target.dataSource(), fencedTable("invoices") + "UPDATE fence SET refuse = true;");
        try (Connection c = source.dataSource().getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO tandem.migrations (id, schema_name, phase, file, source, checksum)"
                                + " VALUES (?, 'sales', 'VERIFIED', ?, ?, 'test')")) {
            ps.setString(1, MOVE);
            ps.setString(2, MOVE_FILE);
            ps.setString(3, MOVE + ".yaml");
            ps.executeUpdate();
        }
        exec(source.dataSource(), """
                CREATE TABLE IF NOT EXISTS tandem.moves (
                  migration_id text PRIMARY KEY, store text NOT NULL, spec text NOT NULL,
                  authoritative text NOT NULL DEFAULT 'source');
                INSERT INTO tandem.moves (migration_id, store, spec) VALUES ('0002_move_orders.orders', 'billing', '{}');
                """);
        tandem = Tandem.connect()
                .service("orders")
                .dataSource(pool(source))
                .store("billing", pool(target))
                .meterRegistry(meters)
                .fenceTimeout(Duration.ofSeconds(5))
                .build();
    }

    @AfterEach
    void close() {
        tandem.close();
        pools.forEach(HikariDataSource::close);
    }

    /** A pool as a service has, so that what is measured is the fence and not connection set-up. */
    DataSource pool(EmbeddedPostgres.Database db) {
        HikariConfig config = new HikariConfig();
        config.setDataSource(db.dataSource());
        config.setMaximumPoolSize(8);
        HikariDataSource pool = new HikariDataSource(config);
        pools.add(pool);
        return pool;
    }

    static Integer insert(Connection c, String table, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (id, total) VALUES (?, 1)")) {
            ps.setLong(1, id);
            return ps.executeUpdate();
        }
    }

    Integer write(MigrationHandle handle, long id) throws SQLException {
        return handle.write(String.valueOf(id), c -> insert(c, "orders", id), c -> insert(c, "invoices", id));
    }

    /**
     * Moves authority to {@code toTarget}'s side while the side that has it is locked: writers queue on
     * the lock, then are refused, re-read the state and go to the other side.
     */
    void flip(boolean toTarget) throws SQLException {
        DataSource from = toTarget ? source.dataSource() : target.dataSource();
        DataSource to = toTarget ? target.dataSource() : source.dataSource();
        String table = toTarget ? "orders" : "invoices";
        try (Connection lock = from.getConnection();
                Connection open = to.getConnection();
                Connection state = source.dataSource().getConnection()) {
            lock.setAutoCommit(false);
            state.setAutoCommit(false);
            long locked;
            try (Statement s = lock.createStatement()) {
                s.execute("LOCK TABLE " + table + " IN EXCLUSIVE MODE");
                locked = System.nanoTime();
                // Let the writers pile up behind the lock.
                s.execute("SELECT pg_sleep(0.02)");
            }
            try (Statement s = open.createStatement()) {
                s.execute("UPDATE fence SET refuse = false");
            }
            try (Statement s = state.createStatement()) {
                s.execute("UPDATE tandem.moves SET authoritative = '" + (toTarget ? "target" : "source") + "'");
                s.execute("UPDATE tandem.migrations SET phase = '" + (toTarget ? "CUT_OVER" : "VERIFIED")
                        + "' WHERE id = '" + MOVE + "'");
                ClientFixture.notify(state, MOVE);
            }
            try (Statement s = lock.createStatement()) {
                s.execute("UPDATE fence SET refuse = true");
            }
            state.commit();
            lock.commit();
            releasedAt.add(System.nanoTime());
            lockHeldMillis.add((System.nanoTime() - locked) / 1e6);
        }
    }

    @Test
    void shouldWriteThroughACutoverAndARevertWithoutAnErrorOrADoubleWrite() throws Exception {
        MigrationHandle handle = tandem.migration(MOVE);
        assertThat(handle.writeSide()).isEqualTo(Side.OLD);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger written = new AtomicInteger();
        AtomicReference<String> epoch = new AtomicReference<>("before");
        Map<Long, String> startedIn = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            long base = (w + 1) * 1_000_000L;
            writers.add(CompletableFuture.runAsync(
                    () -> {
                        for (long i = 0; running.get(); i++) {
                            long id = base + i;
                            startedIn.put(id, epoch.get());
                            try {
                                long start = System.nanoTime();
                                write(handle, id);
                                spans.add(new long[] {start, System.nanoTime()});
                                written.incrementAndGet();
                            } catch (Throwable e) {
                                errors.add(e);
                            }
                            // Paced, as a service's writers are, so that the fence is not measured on a
                            // machine the writers themselves saturate.
                            LockSupport.parkNanos(2_000_000);
                        }
                    },
                    r -> Thread.ofPlatform().daemon().start(r)));
        }
        await("writes on the source", Duration.ofSeconds(10), () -> written.get() > 300);
        epoch.set("cutover");
        flip(true);
        epoch.set("cut over");
        int atCutover = written.get();
        await("writes on the target", Duration.ofSeconds(10), () -> written.get() > atCutover + 300);
        assertThat(handle.writeSide()).isEqualTo(Side.NEW);
        assertThat(handle.phase()).isEqualTo(Phase.CUT_OVER);
        epoch.set("revert");
        flip(false);
        epoch.set("reverted");
        int atRevert = written.get();
        await("writes on the source again", Duration.ofSeconds(10), () -> written.get() > atRevert + 300);
        running.set(false);
        CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).join();

        assertThat(errors).isEmpty();
        Set<Long> onSource = ids(source.dataSource(), "orders");
        Set<Long> onTarget = ids(target.dataSource(), "invoices");
        Set<Long> both = new HashSet<>(onSource);
        both.retainAll(onTarget);
        assertThat(both).as("keys written to both sides").isEmpty();
        assertThat(onSource.size() + onTarget.size()).isEqualTo(written.get());
        startedIn.forEach((id, when) -> {
            switch (when) {
                case "before", "reverted" ->
                    assertThat(onSource).as("key %d, started %s", id, when).contains(id);
                case "cut over" ->
                    assertThat(onTarget).as("key %d, started %s", id, when).contains(id);
                default ->
                    assertThat(onSource.contains(id) || onTarget.contains(id)).isTrue();
            }
        });
        assertThat(meters.get("tandem.client.phase")
                        .tag("migration", MOVE)
                        .gauge()
                        .value())
                .isEqualTo(Phase.VERIFIED.ordinal());
        assertThat(meters.get("tandem.client.stage")
                        .tag("migration", MOVE)
                        .gauge()
                        .value())
                .isEqualTo(Stage.OLD.ordinal());
        Timer fenceWait = meters.find("tandem.client.fence.wait").timer();
        assertThat(fenceWait).isNotNull();
        System.out.printf(
                "%d writes through a cutover and a revert (%d on the source, %d on the target); the fences held"
                        + " their locks for %s ms; %d writes waited at a fence: mean %.1f ms, max %.1f ms%n",
                written.get(),
                onSource.size(),
                onTarget.size(),
                lockHeldMillis.stream().map(m -> String.format("%.1f", m)).toList(),
                fenceWait.count(),
                fenceWait.mean(java.util.concurrent.TimeUnit.MILLISECONDS),
                fenceWait.max(java.util.concurrent.TimeUnit.MILLISECONDS));
        assertThat(fenceWait.count()).isPositive();
        // What the client adds: how long after a fence's lock was released the writes it held finished
        // (refused, state re-read, written on the other side).
        List<Long> afterRelease = new ArrayList<>();
        for (long released : releasedAt) {
            for (long[] span : spans) {
                if (span[0] < released && span[1] > released) {
                    afterRelease.add(span[1] - released);
                }
            }
        }
        long[] after = afterRelease.stream().mapToLong(Long::longValue).toArray();
        System.out.printf(
                "writes held at a fence finished %.1f ms (p50), %.1f ms (max) after its lock was released%n",
                ClientFixture.percentile(after, 50) / 1e6, ClientFixture.percentile(after, 100) / 1e6);
    }

    @Test
    void shouldFailAfterTheFenceTimeoutWhenTheStateNeverMovesAndWriteNothing() throws Exception {
        try (Tandem impatient = Tandem.connect()
                .service("orders")
                .dataSource(source.dataSource())
                .store("billing", target.dataSource())
                .fenceTimeout(Duration.ofMillis(300))
                .build()) {
            MigrationHandle handle = impatient.migration(MOVE);
            exec(source.dataSource(), "UPDATE fence SET refuse = true");
            long start = System.nanoTime();
            assertThatThrownBy(() -> write(handle, 42))
                    .isInstanceOfSatisfying(
                            TandemException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LOCK_TIMEOUT))
                    .hasMessageContaining("was refused for 300 ms")
                    .hasMessageContaining("orders does not take writes here any more");
            assertThat(System.nanoTime() - start).isBetween(300_000_000L, 3_000_000_000L);
            assertThat(value(source.dataSource(), "SELECT count(*) FROM orders"))
                    .isEqualTo("0");
            assertThat(value(target.dataSource(), "SELECT count(*) FROM invoices"))
                    .isEqualTo("0");
        }
    }

    @Test
    void shouldNameTheStoreItHasNoDataSourceFor() throws Exception {
        exec(source.dataSource(), """
                INSERT INTO tandem.flags (migration_id, reads_new, updated_by) VALUES ('0002_move_orders', 100, 'test');
                SELECT pg_notify('tandem_state', '0002_move_orders');
                """);
        try (Tandem partial = Tandem.connect()
                .service("orders")
                .dataSource(source.dataSource())
                .build()) {
            MigrationHandle handle = partial.migration(MOVE);
            await("reads move to the target", Duration.ofSeconds(5), () -> handle.readsNewPercent() == 100);
            assertThatThrownBy(() -> handle.read("1", c -> 1, c -> 2))
                    .isInstanceOf(TandemException.class)
                    .hasMessageContaining("store 'billing'")
                    .hasMessageContaining(".store(\"billing\", dataSource)");
        }
    }

    @Test
    void shouldTreatAMovesTableWithoutTheAuthoritativeColumnAsTheSource() throws Exception {
        exec(
                source.dataSource(),
                "ALTER TABLE tandem.moves DROP COLUMN authoritative; SELECT pg_notify('tandem_state', '0002_move_orders')");
        tandem.watcher().reloadNow();
        MigrationHandle handle = tandem.migration(MOVE);
        assertThat(handle.writeSide()).isEqualTo(Side.OLD);
        assertThat(write(handle, 7)).isEqualTo(1);
        assertThat(value(source.dataSource(), "SELECT count(*) FROM orders")).isEqualTo("1");
    }

    static Set<Long> ids(DataSource ds, String table) throws SQLException {
        Set<Long> out = new HashSet<>();
        for (List<String> row : ClientFixture.rows(ds, "SELECT id FROM " + table)) {
            out.add(Long.parseLong(row.getFirst()));
        }
        return out;
    }
}
