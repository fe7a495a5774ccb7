package dev.tandem.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.client.MigrationHandle;
import dev.tandem.client.Tandem;
import dev.tandem.client.TandemContext;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * What the shape-selecting DataSource adds to a checkout: {@code getConnection()} and {@code close()}
 * on a HikariCP pool directly, and through {@link MigrationHandle#dataSource()} over the same pool,
 * single-threaded, in alternating blocks after a warm-up; once with the shape flag {@code new} (the
 * version schema set on the path at checkout and the path reset at close) and once with it {@code old}
 * (without and with a correlation id, which is set at checkout too).
 */
final class CheckoutOverhead {
    /**
     * @param poolSize the pool's size (the client's watch holds one of its connections)
     * @param iterations checkouts timed per variant and shape
     * @param block checkouts in a row of one variant before switching to the other
     */
    record Settings(int poolSize, int iterations, int block) {}

    private interface Checkout {
        void once() throws SQLException;
    }

    private CheckoutOverhead() {}

    static Map<String, Object> run(ClientInStore store, Settings s) throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        try (HikariDataSource pool = store.pool("checkout-bench", s.poolSize(), s.poolSize());
                Tandem tandem = Tandem.connect()
                        .service("customers")
                        .instance("bench-checkout")
                        .dataSource(pool)
                        .build()) {
            MigrationHandle handle = tandem.migration(ClientInStore.ID);
            DataSource shaped = handle.dataSource();
            r.put("pool", "HikariCP, " + s.poolSize() + " connections (one held by the client's watch)");
            r.put("iterations", (long) s.iterations());

            store.setFlags(0, "new");
            awaitReadsNew(handle, 100);
            requireColumn(shaped, "email_address");
            requireColumn(pool, "email");
            r.put("shape_new", compare(s, () -> checkout(pool), () -> checkout(shaped)));

            store.setFlags(0, "old");
            awaitReadsNew(handle, 0);
            requireColumn(shaped, "email");
            r.put("shape_old", compare(s, () -> checkout(pool), () -> checkout(shaped)));
            r.put("shape_old_with_correlation_id", compare(s, () -> checkout(pool), () -> {
                try (TandemContext.Scope ignored = TandemContext.correlate("req-42", null)) {
                    checkout(shaped);
                }
            }));
        }
        return r;
    }

    private static void checkout(DataSource ds) throws SQLException {
        ds.getConnection().close();
    }

    /** Times both variants in alternating blocks, after a warm-up of each. */
    private static Map<String, Object> compare(Settings s, Checkout plain, Checkout wrapped) throws SQLException {
        for (int i = 0; i < s.iterations() / 4 + 1000; i++) {
            plain.once();
            wrapped.once();
        }
        Timings p = new Timings(s.iterations());
        Timings w = new Timings(s.iterations());
        for (int done = 0; done < s.iterations(); done += s.block()) {
            for (Checkout c : List.of(plain, wrapped)) {
                Timings t = c == plain ? p : w;
                for (int i = 0; i < s.block(); i++) {
                    long start = System.nanoTime();
                    c.once();
                    t.add(System.nanoTime() - start);
                }
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("plain_pool", p.micros());
        m.put("through_client", w.micros());
        m.put("added_p50_us", (w.percentile(0.5) - p.percentile(0.5)) / 1e3);
        m.put("added_p99_us", (w.percentile(0.99) - p.percentile(0.99)) / 1e3);
        return m;
    }

    private static void awaitReadsNew(MigrationHandle handle, int percent) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (handle.readsNewPercent() != percent) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "the client did not see reads new " + percent + "% within 10 s: " + handle);
            }
            Thread.sleep(5);
        }
    }

    /** Checks that a checkout from {@code ds} sees the shape with {@code column}: the wrapper does what is timed. */
    private static void requireColumn(DataSource ds, String column) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT " + column + " FROM customers LIMIT 1")) {
            rs.next();
        } catch (SQLException e) {
            throw new IllegalStateException("a checkout did not see the shape with customers." + column, e);
        }
    }
}
