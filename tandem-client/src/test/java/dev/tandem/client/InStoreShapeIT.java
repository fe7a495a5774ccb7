package dev.tandem.client;

import static dev.tandem.client.ClientFixture.SPLIT;
import static dev.tandem.client.ClientFixture.VERSION_SCHEMA;
import static dev.tandem.client.ClientFixture.await;
import static dev.tandem.client.ClientFixture.flag;
import static dev.tandem.client.ClientFixture.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.MDC;

/**
 * An in-store migration served through {@link MigrationHandle#dataSource()} over a real HikariCP pool:
 * the shape follows the flag at runtime, and connections go back to the pool as they came.
 */
// A correlation scope is opened for what it does to the checkouts inside it, not referenced there.
@SuppressWarnings("try")
@ExtendWith(PostgresExtension.class)
class InStoreShapeIT {
    EmbeddedPostgres.Database db;
    final List<HikariDataSource> pools = new ArrayList<>();
    final List<Tandem> clients = new ArrayList<>();
    String defaultPath;

    @BeforeEach
    void migrate() throws SQLException {
        ClientFixture.startSplit(db.dataSource());
        defaultPath = value(db.dataSource(), "SHOW search_path");
    }

    @AfterEach
    void close() {
        clients.forEach(Tandem::close);
        pools.forEach(HikariDataSource::close);
    }

    HikariDataSource pool(String name) {
        HikariConfig config = new HikariConfig();
        config.setDataSource(db.dataSource());
        config.setPoolName(name);
        config.setMaximumPoolSize(3);
        HikariDataSource pool = new HikariDataSource(config);
        pools.add(pool);
        return pool;
    }

    Tandem client(DataSource pool, String instance) {
        Tandem t = ClientFixture.client(pool).instance(instance).build();
        clients.add(t);
        return t;
    }

    @Test
    void shouldMoveRunningClientsToTheNewShapeWithoutAnError() throws Exception {
        HikariDataSource poolA = pool("a");
        HikariDataSource poolB = pool("b");
        List<MigrationHandle> handles =
                List.of(client(poolA, "a").migration(SPLIT), client(poolB, "b").migration(SPLIT));
        try (Connection c = handles.getFirst().dataSource().getConnection()) {
            assertThatThrownBy(() -> value(c, "SELECT full_name FROM customers LIMIT 1"))
                    .hasMessageContaining("full_name");
        }

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger newShapeReads = new AtomicInteger();
        AtomicInteger writes = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            MigrationHandle handle = handles.get(w % 2);
            int worker = w;
            workers.add(CompletableFuture.runAsync(
                    () -> {
                        for (int i = 0; running.get(); i++) {
                            try (Connection c = handle.dataSource().getConnection()) {
                                int id = 1000 + worker * 100_000 + i;
                                boolean newShape =
                                        value(c, "SHOW search_path").startsWith("\"" + VERSION_SCHEMA + "\"");
                                try (PreparedStatement ps = c.prepareStatement("INSERT INTO customers (id, "
                                        + (newShape ? "full_name" : "name") + ") VALUES (?, ?)")) {
                                    ps.setInt(1, id);
                                    ps.setString(2, "Worker" + worker + " Row" + i);
                                    ps.executeUpdate();
                                }
                                writes.incrementAndGet();
                                if (newShape) {
                                    assertThat(value(c, "SELECT full_name FROM customers WHERE id = " + id))
                                            .isEqualTo("Worker" + worker + " Row" + i);
                                    newShapeReads.incrementAndGet();
                                } else {
                                    assertThat(value(c, "SELECT name FROM customers WHERE id = " + id))
                                            .isEqualTo("Worker" + worker + " Row" + i);
                                }
                            } catch (Throwable e) {
                                errors.add(e);
                            }
                        }
                    },
                    r -> Thread.ofPlatform().daemon().start(r)));
        }
        await("the workload has written", Duration.ofSeconds(10), () -> writes.get() > 50);
        flag(db.dataSource(), SPLIT, 0, "new");
        await("both clients serve the new shape", Duration.ofSeconds(2), () -> handles.stream()
                .allMatch(h -> h.stage() == Stage.READS_NEW));
        int atFlip = newShapeReads.get();
        await("the workload reads the new shape", Duration.ofSeconds(10), () -> newShapeReads.get() > atFlip + 50);
        running.set(false);
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).join();

        assertThat(errors).isEmpty();
        for (MigrationHandle handle : handles) {
            try (Connection c = handle.dataSource().getConnection()) {
                assertThat(value(c, "SELECT count(*) FROM customers WHERE full_name IS NULL"))
                        .isEqualTo("0");
            }
        }
        // Connections went back as they came: a plain checkout has the pool's own path.
        for (HikariDataSource pool : pools) {
            for (int i = 0; i < 3; i++) {
                try (Connection c = pool.getConnection()) {
                    assertThat(value(c, "SHOW search_path")).isEqualTo(defaultPath);
                }
            }
        }
    }

    @Test
    void shouldCarryTheCorrelationOnCheckedOutConnectionsAndResetIt() throws Exception {
        HikariDataSource pool = pool("correlated");
        MigrationHandle handle = client(pool, "a").migration(SPLIT);
        flag(db.dataSource(), SPLIT, 0, "new");
        await("the new shape is served", Duration.ofSeconds(2), () -> handle.stage() == Stage.READS_NEW);

        try (TandemContext.Scope scope =
                        TandemContext.correlate("req-42", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
                Connection c = handle.dataSource().getConnection()) {
            assertThat(value(c, "SELECT current_setting('tandem.correlation_id')"))
                    .isEqualTo("req-42");
            assertThat(value(c, "SELECT current_setting('tandem.traceparent')")).startsWith("00-4bf92f35");
            assertThat(value(c, "SHOW search_path")).isEqualTo("\"" + VERSION_SCHEMA + "\", " + defaultPath);
        }
        MDC.put(TandemContext.MDC_CORRELATION_ID, "from-mdc");
        // slf4j-simple's MDC keeps nothing; with a real one (Logback, Log4j) the fallback is checked.
        boolean mdcKeeps = "from-mdc".equals(MDC.get(TandemContext.MDC_CORRELATION_ID));
        try (Connection c = handle.dataSource().getConnection()) {
            if (mdcKeeps) {
                assertThat(value(c, "SELECT current_setting('tandem.correlation_id')"))
                        .isEqualTo("from-mdc");
            }
        } finally {
            MDC.remove(TandemContext.MDC_CORRELATION_ID);
        }
        // The pool has a single connection in use at a time here, so every check below sees the same ones.
        for (int i = 0; i < 3; i++) {
            try (Connection c = pool.getConnection()) {
                assertThat(value(c, "SELECT current_setting('tandem.correlation_id', true)"))
                        .isIn("", null);
                assertThat(value(c, "SHOW search_path")).isEqualTo(defaultPath);
            }
        }
    }

    @Test
    void shouldKeepTheSettingsWhenTheApplicationRollsBack() throws Exception {
        HikariConfig config = new HikariConfig();
        config.setDataSource(db.dataSource());
        config.setAutoCommit(false);
        // One connection is the client's watch connection, one is the application's.
        config.setMaximumPoolSize(2);
        HikariDataSource pool = new HikariDataSource(config);
        pools.add(pool);
        MigrationHandle handle = client(pool, "a").migration(SPLIT);
        flag(db.dataSource(), SPLIT, 0, "new");
        await("the new shape is served", Duration.ofSeconds(2), () -> handle.stage() == Stage.READS_NEW);
        try (Connection c = handle.dataSource().getConnection()) {
            value(c, "SELECT 1");
            c.rollback();
            assertThat(value(c, "SELECT first_name FROM customers WHERE id = 1"))
                    .isEqualTo("First1");
            c.rollback();
        }
        try (Connection c = pool.getConnection()) {
            assertThat(value(c, "SHOW search_path")).isEqualTo(defaultPath);
            c.rollback();
        }
    }

    @Test
    void shouldAddAtMostOneStatementEachWayToACheckout() throws Exception {
        HikariDataSource pool = pool("overhead");
        AtomicInteger statements = new AtomicInteger();
        DataSource counted = countingStatements(pool, statements);
        Tandem tandem = client(pool, "a");
        MigrationHandle handle = tandem.migration(SPLIT);
        DataSource shaped =
                new SessionDataSource(counted, () -> handle.state().shapeNew() ? VERSION_SCHEMA : null, tandem.logs());

        assertThat(statementsPerCheckout(shaped, statements)).isZero();
        flag(db.dataSource(), SPLIT, 0, "new");
        await("the new shape is served", Duration.ofSeconds(2), () -> handle.stage() == Stage.READS_NEW);
        assertThat(statementsPerCheckout(shaped, statements)).isEqualTo(2);
        try (TandemContext.Scope scope = TandemContext.correlate("req-1", "00-ab-cd-01")) {
            assertThat(statementsPerCheckout(shaped, statements)).isEqualTo(2);
        }

        int n = 2000;
        perCheckoutMicros(pool, n);
        double plain = perCheckoutMicros(pool, n);
        double newShape = perCheckoutMicros(handle.dataSource(), n);
        double correlated;
        try (TandemContext.Scope scope = TandemContext.correlate("req-1", null)) {
            correlated = perCheckoutMicros(handle.dataSource(), n);
        }
        flag(db.dataSource(), SPLIT, 0, "old");
        await("the old shape is served", Duration.ofSeconds(2), () -> handle.stage() == Stage.OLD);
        double oldShape = perCheckoutMicros(handle.dataSource(), n);
        System.out.printf(
                "checkout + SELECT 1 through HikariCP: plain %.0f us, old shape %.0f us, new shape %.0f us,"
                        + " new shape with correlation %.0f us%n",
                plain, oldShape, newShape, correlated);
    }

    /** The statements tandem adds to one checkout that runs one query of its own. */
    private static int statementsPerCheckout(DataSource ds, AtomicInteger statements) throws SQLException {
        int before = statements.get();
        try (Connection c = ds.getConnection()) {
            value(c, "SELECT 1");
        }
        return statements.get() - before - 1;
    }

    /** {@code ds}, counting every statement prepared or created on its connections. */
    private static DataSource countingStatements(DataSource ds, AtomicInteger statements) {
        return (DataSource) Proxy.newProxyInstance(
                InStoreShapeIT.class.getClassLoader(), new Class<?>[] {DataSource.class}, (p, m, args) -> {
                    Object result = invoke(m, ds, args);
                    if (!(result instanceof Connection c)) {
                        return result;
                    }
                    return Proxy.newProxyInstance(
                            InStoreShapeIT.class.getClassLoader(),
                            new Class<?>[] {Connection.class},
                            (cp, cm, cargs) -> {
                                if (cm.getName().equals("prepareStatement")
                                        || cm.getName().equals("createStatement")) {
                                    statements.incrementAndGet();
                                }
                                return invoke(cm, c, cargs);
                            });
                });
    }

    private static Object invoke(Method m, Object target, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static double perCheckoutMicros(DataSource ds, int n) throws SQLException {
        for (int i = 0; i < 200; i++) {
            try (Connection c = ds.getConnection()) {
                value(c, "SELECT 1");
            }
        }
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try (Connection c = ds.getConnection()) {
                value(c, "SELECT 1");
            }
        }
        return (System.nanoTime() - start) / 1e3 / n;
    }
}
