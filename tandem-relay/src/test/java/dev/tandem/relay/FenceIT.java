package dev.tandem.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.MigrationFiles;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.postgres.TransitionRequest;
import dev.tandem.testkit.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fence from outside: a cutover whose lock is not granted changes nothing; the guarded side refuses
 * every kind of application write (each statement kind, TRUNCATE, replica-mode writers, another role,
 * another search path) and still answers reads; a rollback of a cut-over move brings the target's
 * writes back first; a cutover forced past a dead letter closes it so it can never be replayed over a
 * newer write.
 */
class FenceIT {
    private static void exec(DataSource ds, String sql) {
        RelayConvergenceIT.exec(ds, sql);
    }

    private static List<String> rows(DataSource ds, String sql) {
        return RelayConvergenceIT.rows(ds, sql);
    }

    static final String MOVE = """
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

    EmbeddedPostgres.Database source;
    EmbeddedPostgres.Database target;
    Engine engine;

    @BeforeEach
    void startTheMove() {
        source = EmbeddedPostgres.newDatabase();
        target = EmbeddedPostgres.newDatabase();
        exec(source.dataSource(), """
                CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total numeric(12, 2));
                INSERT INTO orders SELECT g, g % 7, g * 0.5 FROM generate_series(1, 200) g;
                """);
        exec(
                target.dataSource(),
                "CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint NOT NULL,"
                        + " total_cents bigint CHECK (total_cents < 100000))");
        engine = Engine.create(
                source.dataSource(),
                EngineOptions.builder()
                        .lockTimeout(Duration.ofMillis(100))
                        .hook(MoveHook.builder(source.dataSource())
                                .stores(Map.of("billing", target.dataSource()))
                                .build())
                        .build());
        engine.start(MigrationFiles.parse("0007_move_orders.yaml", MOVE));
    }

    @Test
    void shouldChangeNothingWhenTheWriteBlockingLockIsNotGranted() throws Exception {
        try (Connection holder = source.dataSource().getConnection();
                Statement s = holder.createStatement()) {
            holder.setAutoCommit(false);
            s.execute("UPDATE orders SET total = total + 1 WHERE id = 1"); // a long transaction's row lock
            long began = System.nanoTime();
            assertThatThrownBy(() -> engine.cutover(TransitionRequest.active()))
                    .isInstanceOfSatisfying(
                            TandemException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LOCK_TIMEOUT))
                    .hasMessageContaining("was not granted within 100 ms in 10 attempts")
                    .hasMessageContaining("nothing was handed over");
            assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(30));
            holder.commit();
        }
        // No transition was recorded: the phase is still BACKFILLED (status may show EXPANDED while the
        // held write, captured when its transaction commits, ages past the lag bound before delivery).
        assertThat(engine.history().getLast().to()).isEqualTo(Phase.BACKFILLED);
        // The source still takes writes and captures them; the target's capture is off again.
        exec(source.dataSource(), "UPDATE orders SET total = 7 WHERE id = 2");
        assertThat(rows(source.dataSource(), "SELECT count(*) FROM tandem.outbox"))
                .isNotEqualTo(List.of("0"));
        assertThat(triggers(target.dataSource(), "invoices")).containsOnly("D");
        exec(target.dataSource(), "UPDATE invoices SET total_cents = total_cents WHERE id = 3");
        assertThat(rows(target.dataSource(), "SELECT count(*) FROM tandem.outbox"))
                .containsExactly("0");
    }

    @Test
    void shouldHoldWritersNoLongerThanTheLockTimeoutWhileTheDrainWaits() throws Exception {
        exec(source.dataSource(), "UPDATE orders SET total = total + 1 WHERE id = 1");
        java.util.concurrent.atomic.AtomicLong longest = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread writer;
        java.util.concurrent.CompletableFuture<Void> cutover;
        // Another relay's claim, not committed: the fence cannot drain to zero until it lets go.
        try (Connection claim = source.dataSource().getConnection();
                Statement s = claim.createStatement()) {
            claim.setAutoCommit(false);
            s.execute("DELETE FROM tandem.outbox WHERE id = (SELECT min(id) FROM tandem.outbox)");
            writer = Thread.ofPlatform().start(() -> {
                try (Connection c = source.dataSource().getConnection();
                        Statement w = c.createStatement()) {
                    while (writing.get()) {
                        long t0 = System.nanoTime();
                        try {
                            w.execute("UPDATE orders SET customer_id = customer_id + 1 WHERE id = 50");
                        } catch (SQLException refused) {
                            return; // the guard, once cut over
                        }
                        longest.accumulateAndGet(System.nanoTime() - t0, Math::max);
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            cutover = java.util.concurrent.CompletableFuture.runAsync(() -> engine.cutover(TransitionRequest.active()));
            Thread.sleep(1500);
            claim.rollback();
        }
        cutover.get(30, java.util.concurrent.TimeUnit.SECONDS);
        writing.set(false);
        writer.join();
        assertThat(engine.status(null).orElseThrow().phase()).isEqualTo(Phase.CUT_OVER);
        // The fence gave its lock back each time the drain ran over the lock timeout (100 ms), instead of
        // holding the writer for the whole 1.5 s the claim was held.
        assertThat(Duration.ofNanos(longest.get())).isLessThan(Duration.ofMillis(1000));
        assertThat(rows(target.dataSource(), "SELECT total_cents FROM invoices WHERE id = 1"))
                .containsExactly("150");
    }

    @Test
    void shouldRefuseEveryApplicationWriteOnTheSideThatIsNotAuthoritative() throws Exception {
        drain();
        engine.cutover(TransitionRequest.active());
        exec(source.dataSource(), """
                CREATE ROLE app LOGIN;
                GRANT ALL ON orders TO app;
                CREATE SCHEMA other;
                CREATE TABLE other.orders (id bigint);
                """);
        for (String write : List.of(
                "INSERT INTO orders VALUES (1000, 1, 1)",
                "UPDATE orders SET total = 0 WHERE id = 5",
                "UPDATE orders SET total = 0 WHERE id = -1", // no row: refused all the same
                "DELETE FROM orders WHERE id = 6",
                "TRUNCATE orders",
                "SET session_replication_role = replica; UPDATE orders SET total = 0 WHERE id = 5",
                "SET ROLE app; UPDATE public.orders SET total = 0 WHERE id = 5",
                "SET search_path = other, public; UPDATE public.orders SET total = 0 WHERE id = 5",
                "INSERT INTO orders VALUES (5, 1, 1) ON CONFLICT (id) DO UPDATE SET total = 9")) {
            try (Connection c = source.dataSource().getConnection();
                    Statement s = c.createStatement()) {
                assertThatThrownBy(() -> s.execute(write))
                        .as(write)
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState())
                                .isEqualTo(Guard.SQLSTATE))
                        .hasMessageContaining("store billing, where the table is public.invoices");
            }
        }
        assertThat(rows(source.dataSource(), "SELECT count(*), sum(total) FROM orders"))
                .containsExactly("200|"
                        + rows(
                                        source.dataSource(),
                                        "SELECT sum(g * 0.5)::numeric(12, 2) FROM generate_series(1, 200) g")
                                .getFirst());
        // The target takes the writes, and they flow back.
        exec(target.dataSource(), """
                UPDATE invoices SET total_cents = 12345 WHERE id = 5;
                DELETE FROM invoices WHERE id = 6;
                INSERT INTO invoices VALUES (1000, 3, 250);
                """);
        drainBack();
        assertThat(rows(source.dataSource(), "SELECT id, total FROM orders WHERE id IN (5, 6, 1000) ORDER BY id"))
                .containsExactly("5|123.45", "1000|2.50");
    }

    @Test
    void shouldBringTheTargetsWritesBackBeforeRollingBackACutOverMove() throws Exception {
        drain();
        engine.cutover(TransitionRequest.active());
        exec(
                target.dataSource(),
                "UPDATE invoices SET total_cents = 4200 WHERE id = 9; DELETE FROM invoices WHERE id = 10");
        // No relay runs: the rollback's own fence delivers them.
        engine.rollback(TransitionRequest.active());
        assertThat(rows(source.dataSource(), "SELECT id, total FROM orders WHERE id IN (9, 10)"))
                .containsExactly("9|42.00");
        assertThat(triggers(source.dataSource(), "orders")).isEmpty();
        assertThat(triggers(target.dataSource(), "invoices")).isEmpty();
        exec(source.dataSource(), "UPDATE orders SET total = 1 WHERE id = 11");
        exec(target.dataSource(), "UPDATE invoices SET total_cents = 1 WHERE id = 11");
    }

    @Test
    void shouldCloseDeadLettersWhenACutoverIsForcedPastThem() throws Exception {
        exec(source.dataSource(), "UPDATE orders SET total = 5000 WHERE id = 7"); // 500000 cents: refused by the target
        try (Relay relay = Relay.builder(source.dataSource())
                .registered(Map.of("billing", target.dataSource()))
                .maxAttempts(1)
                .build()) {
            while (relay.deliverOnce() > 0) {
                // delivering, and parking the refused change
            }
        }
        assertThatThrownBy(() -> engine.cutover(TransitionRequest.active())).hasMessageContaining("open dead letter");
        engine.cutover(new TransitionRequest(null, true, "key 7 is fixed by hand on billing"));
        assertThat(rows(
                        source.dataSource(),
                        "SELECT count(*) FROM tandem.dead_letters WHERE superseded_at IS NULL AND replayed_at IS NULL"))
                .containsExactly("0");
    }

    private void drain() throws SQLException {
        try (Relay relay = Relay.builder(source.dataSource())
                .registered(Map.of("billing", target.dataSource()))
                .build()) {
            while (relay.deliverOnce() > 0) {
                // delivering
            }
        }
    }

    private void drainBack() throws SQLException {
        for (Relay relay : Relays.of(source.dataSource(), Map.of("billing", target.dataSource()), b -> b)) {
            try (relay) {
                while (relay.deliverOnce() > 0) {
                    // delivering
                }
            }
        }
    }

    /** The enabled state of every trigger tandem made on {@code table}: O, A or D. */
    private static List<String> triggers(DataSource ds, String table) {
        return rows(
                ds, "SELECT tgenabled FROM pg_trigger WHERE tgrelid = '" + table + "'::regclass AND NOT tgisinternal");
    }
}
