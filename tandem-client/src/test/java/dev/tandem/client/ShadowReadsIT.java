package dev.tandem.client;

import static dev.tandem.client.ClientFixture.SPLIT;
import static dev.tandem.client.ClientFixture.await;
import static dev.tandem.client.ClientFixture.percentile;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Shadow reads compare the two shapes of a real in-store migration off the request thread: the old
 * shape computes the first name from {@code name}, the new shape reads the backfilled {@code
 * first_name}. A comparator that throws or hangs never reaches the caller.
 */
@ExtendWith(PostgresExtension.class)
class ShadowReadsIT {
    static final int READS = 300;

    EmbeddedPostgres.Database db;
    HikariDataSource pool;
    Tandem tandem;
    MigrationHandle handle;
    volatile boolean released;

    @BeforeEach
    void start() throws SQLException {
        ClientFixture.startSplit(db.dataSource());
        HikariConfig config = new HikariConfig();
        config.setDataSource(db.dataSource());
        config.setMaximumPoolSize(4);
        pool = new HikariDataSource(config);
        tandem = ClientFixture.client(pool).build();
        handle = tandem.migration(SPLIT);
    }

    @AfterEach
    void close() {
        released = true;
        tandem.close();
        pool.close();
    }

    static Map<String, Object> oldSide(Connection c, int id) throws SQLException {
        return row(c, "SELECT id, split_part(name, ' ', 1) AS first FROM customers WHERE id = ?", id);
    }

    static Map<String, Object> newSide(Connection c, int id) throws SQLException {
        return row(c, "SELECT id, first_name AS first FROM customers WHERE id = ?", id);
    }

    static Map<String, Object> row(Connection c, String sql, int id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setInt(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return Map.of("id", rs.getInt(1), "first", rs.getString(2));
            }
        }
    }

    Map<String, Object> read(int id) throws SQLException {
        return handle.read(String.valueOf(id), c -> oldSide(c, id), c -> newSide(c, id));
    }

    @Test
    void shouldCountAndSampleAMismatchWithItsKey() throws Exception {
        // The one difference: key 7's first name, changed on the new shape only.
        try (Connection c = tandem.router().dataSource(handle.state(), Side.NEW).getConnection();
                var s = c.createStatement()) {
            s.execute("UPDATE customers SET first_name = 'Seventh' WHERE id = 7");
        }
        handle.shadowReads(ShadowReads.builder()
                .sampleRate(1)
                .comparator(ShadowComparator.fields())
                .build());
        for (int id = 1; id <= 50; id++) {
            assertThat(read(id)).containsEntry("id", id);
        }
        await(
                "50 reads are compared",
                Duration.ofSeconds(10),
                () -> handle.shadowStats().compared() == 50);
        ShadowStats stats = handle.shadowStats();
        System.out.println("shadow stats: " + stats);
        assertThat(stats.mismatched()).isEqualTo(1);
        assertThat(stats.errors()).isZero();
        assertThat(stats.samples()).singleElement().satisfies(sample -> {
            assertThat(sample.key()).isEqualTo("7");
            assertThat(sample.diffs()).containsExactly(new FieldDiff("first", "First7", "Seventh"));
        });
    }

    @Test
    void shouldAddNoErrorAndNoLatencyWhenTheComparatorThrowsOrHangs() throws Exception {
        long[] off = callerTimes();

        handle.shadowReads(ShadowReads.builder()
                .sampleRate(1)
                .comparator((a, b) -> {
                    throw new IllegalStateException("a broken comparator");
                })
                .build());
        long[] throwing = callerTimes();
        await(
                "the failures are counted",
                Duration.ofSeconds(10),
                () -> handle.shadowStats().errors() > 0);

        handle.shadowReads(ShadowReads.builder()
                .sampleRate(1)
                .timeout(Duration.ofMillis(50))
                .comparator((a, b) -> {
                    // Deaf to interrupts: it stays stuck until the test ends.
                    while (!released) {
                        LockSupport.parkNanos(10_000_000);
                    }
                    return java.util.List.of();
                })
                .build());
        long errorsBefore = handle.shadowStats().errors();
        long[] hanging = callerTimes();
        await(
                "the overruns are counted",
                Duration.ofSeconds(10),
                () -> handle.shadowStats().errors() > errorsBefore);

        System.out.printf(
                "caller read p50/p99: shadow off %.2f/%.2f ms, throwing comparator %.2f/%.2f ms,"
                        + " hanging comparator %.2f/%.2f ms; %s%n",
                percentile(off, 50) / 1e6,
                percentile(off, 99) / 1e6,
                percentile(throwing, 50) / 1e6,
                percentile(throwing, 99) / 1e6,
                percentile(hanging, 50) / 1e6,
                percentile(hanging, 99) / 1e6,
                handle.shadowStats());
        // The other side's reads share the machine with the caller's, so some noise is allowed; a hang or
        // a thrown exception reaching the caller would be far beyond it.
        long allowance = 2 * percentile(off, 50) + 1_000_000;
        assertThat(percentile(throwing, 50)).isLessThan(allowance);
        assertThat(percentile(hanging, 50)).isLessThan(allowance);
        assertThat(handle.shadowStats().compared()).isZero();
    }

    /** Each read's time on the caller's thread; every read must return the caller's side's row. */
    long[] callerTimes() throws SQLException {
        for (int i = 0; i < 50; i++) {
            read(1 + i % 200);
        }
        long[] times = new long[READS];
        for (int i = 0; i < READS; i++) {
            int id = 1 + i % 200;
            long start = System.nanoTime();
            Map<String, Object> row = read(id);
            times[i] = System.nanoTime() - start;
            assertThat(row).containsEntry("first", "First" + id);
        }
        return times;
    }
}
