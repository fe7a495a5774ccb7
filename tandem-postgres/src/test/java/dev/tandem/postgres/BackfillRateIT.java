package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Phase;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code --max-rows-per-second} holds over any window of a second or more, and over the whole run,
 * as the database itself saw the rows written: each row records the server's clock_timestamp() at
 * the moment the backfill computed it.
 */
@ExtendWith(PostgresExtension.class)
class BackfillRateIT {
    private static final int ROWS = 2_500;
    private static final long LIMIT = 1_000;
    /** Clocks of client and server, and rounding: 1% over the limit at most. */
    private static final double TOLERANCE = 1.01;

    EmbeddedPostgres.Database database;

    @Test
    void shouldNotExceedTheRowLimitOverAnyWindowOfASecondOrMoreNorOverTheWholeRun() {
        TestDb db = new TestDb(database);
        db.exec("CREATE TABLE items (id int PRIMARY KEY, qty int NOT NULL);"
                + " INSERT INTO items SELECT g, g % 50 FROM generate_series(1, " + ROWS + ") g");
        Engine engine = db.engine(
                EngineOptions.builder().backfill(false).maxRowsPerSecond(LIMIT).build());
        engine.start(TestDb.migration("0001_stamp", """
                  - add_column: { table: items, column: { name: filled_at, type: timestamptz }, up: clock_timestamp() }
                """, null));

        double before = seconds(db.value("SELECT extract(epoch FROM clock_timestamp())"));
        assertThat(engine.backfill(null).phase()).isEqualTo(Phase.BACKFILLED);

        List<Double> at = db.rows("SELECT extract(epoch FROM filled_at) FROM items ORDER BY filled_at").stream()
                .map(r -> seconds(r.getFirst()))
                .toList();
        assertThat(at).hasSize(ROWS).doesNotContainNull();
        double busiest = 0;
        for (int i = 0; i < at.size(); i++) {
            for (int j = i; j < at.size(); j++) {
                // Rows i..j fit in any window from row i to row j; the shortest counted is one second.
                double window = Math.max(1.0, at.get(j) - at.get(i));
                busiest = Math.max(busiest, (j - i + 1) / window);
            }
        }
        double whole = ROWS / (at.getLast() - before);
        System.out.printf(
                "rate limit %d rows/s: busiest window %.0f rows/s, whole run %.0f rows/s%n", LIMIT, busiest, whole);
        assertThat(busiest).as("rows/s over the busiest window of 1 s or more").isLessThanOrEqualTo(LIMIT * TOLERANCE);
        assertThat(whole).as("rows/s over the whole run").isLessThanOrEqualTo(LIMIT * TOLERANCE);
        assertThat(whole).as("the limit is a ceiling, not a crawl").isGreaterThan(LIMIT * 0.6);
    }

    private static double seconds(String epoch) {
        return Double.parseDouble(epoch);
    }
}
