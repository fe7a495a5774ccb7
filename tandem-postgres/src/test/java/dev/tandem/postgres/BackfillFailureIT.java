package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A backfill batch that fails on one row's data names the table, the batch's key range, the first
 * failing row, the column and expression, and the database's message; status shows it as FAILED,
 * and both say what fixes it, since resuming alone fails the same way.
 */
@ExtendWith(PostgresExtension.class)
class BackfillFailureIT {
    private static final Pattern RANGE = Pattern.compile("batch of keys id (\\d+) \\.\\. (\\d+)");

    EmbeddedPostgres.Database database;
    TestDb db;

    @BeforeEach
    void seed() {
        db = new TestDb(database);
    }

    @Test
    void shouldNameTheFirstFailingRowItsColumnAndExpressionAndTheRealFix() {
        db.exec("CREATE TABLE items (id int PRIMARY KEY, qty int NOT NULL);"
                + " INSERT INTO items SELECT g, CASE WHEN g = 1234 THEN 5 ELSE 10 + g % 50 END"
                + " FROM generate_series(1, 3000) g");
        Engine engine = db.engine(EngineOptions.builder().backfill(false).build());
        engine.start(TestDb.migration("0001_ratio", """
                  - add_column: { table: items, column: { name: double_qty, type: int }, up: qty * 2 }
                  - add_column: { table: items, column: { name: ratio, type: int }, up: 100 / (qty - 5) }
                """, null));

        TandemException failure = catchThrowableOfType(TandemException.class, () -> engine.backfill(null));

        assertThat(failure.code()).isEqualTo(ErrorCode.DATABASE_ERROR);
        assertThat(failure.getMessage())
                .contains("the backfill of public.items failed in the batch of keys id ")
                .contains("first failing row: id = 1234")
                .contains("ratio = 100 / (qty - 5)")
                .contains("division by zero [SQLSTATE 22012]")
                .contains("fix that row's data")
                .contains("`tandem rollback` and start a corrected migration");
        Matcher range = RANGE.matcher(failure.getMessage());
        assertThat(range.find()).isTrue();
        int from = Integer.parseInt(range.group(1));
        assertThat(Integer.parseInt(range.group(2))).isGreaterThanOrEqualTo(1234);
        assertThat(from).isLessThanOrEqualTo(1234);
        // The batches before the failing one are done; nothing of the failing one was written.
        assertThat(db.value("SELECT count(*) FROM items WHERE ratio IS NOT NULL"))
                .isEqualTo(String.valueOf(from - 1));
        assertThat(db.value("SELECT count(*) FROM items WHERE id >= " + from + " AND double_qty IS NOT NULL"))
                .isEqualTo("0");

        BackfillProgress progress = engine.status(null).orElseThrow().backfill();
        assertThat(progress.state()).isEqualTo(BackfillProgress.State.FAILED);
        assertThat(progress.failure()).contains("row id = 1234", "ratio = 100 / (qty - 5)", "division by zero");

        // Resuming as it is fails the same way, on the same row.
        assertThat(catchThrowableOfType(TandemException.class, () -> engine.backfill(null))
                        .getMessage())
                .contains("first failing row: id = 1234");

        // Fixing the row's data (through the old shape, with the sync trigger) lets it finish.
        db.exec("UPDATE items SET qty = 6 WHERE id = 1234");
        assertThat(engine.backfill(null).phase()).isEqualTo(Phase.BACKFILLED);
        assertThat(engine.status(null).orElseThrow().backfill().state()).isEqualTo(BackfillProgress.State.DONE);
        assertThat(db.value("SELECT count(*) FROM items WHERE ratio IS DISTINCT FROM 100 / (qty - 5)"
                        + " OR double_qty IS DISTINCT FROM qty * 2"))
                .isEqualTo("0");
    }

    @Test
    void shouldNameTheRowOfACastThatFailsOnATwoColumnKey() {
        db.exec("CREATE TABLE readings (region text, id int, raw text NOT NULL, PRIMARY KEY (region, id));"
                + " INSERT INTO readings SELECT r, g, CASE WHEN (r, g) = ('us', 321) THEN 'n/a' ELSE g::text END"
                + " FROM unnest(ARRAY['eu', 'us']) r, generate_series(1, 900) g");
        Engine engine = db.engine(EngineOptions.builder().build());

        TandemException failure = catchThrowableOfType(
                TandemException.class, () -> engine.start(TestDb.migration("0001_numeric_raw", """
                          - alter_column: { table: readings, column: raw, type: int, up: "raw::int", down: "raw::text" }
                        """, null)));

        assertThat(failure.getMessage())
                .contains("the backfill of public.readings failed in the batch of keys (region, id) (")
                .contains("first failing row: (region, id) = (us, 321)")
                .contains("(the new shape's raw) = raw::int")
                .contains("invalid input syntax for type integer: \"n/a\"");
        assertThat(engine.status(null).orElseThrow().phase()).isEqualTo(Phase.EXPANDED);
        assertThat(engine.status(null).orElseThrow().backfill().failure()).contains("row (region, id) = (us, 321)");
    }
}
