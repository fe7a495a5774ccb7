package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.TandemException;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackfillKeysIT extends LifecycleFixture {
    static final String COMPOSITE = "0001_line_totals";

    static final String ORDER_LINES = """
            CREATE TABLE order_lines (order_id int, line_no int, qty int NOT NULL, PRIMARY KEY (order_id, line_no));
            INSERT INTO order_lines SELECT o, l, o + l FROM generate_series(1, 300) o, generate_series(1, 10) l;
            ANALYZE order_lines;
            """;

    static Migration lineTotals() {
        return TestDb.migration(COMPOSITE, """
                  - add_column:
                      table: order_lines
                      column: { name: total, type: int, nullable: false }
                      up: qty * 100
                """, null);
    }

    static final Writes OLD_LINE_WRITES = (s, i) -> {
        s.execute("INSERT INTO order_lines (order_id, line_no, qty) VALUES (" + (1000 + i) + ", 1, " + i + ")");
        s.execute("UPDATE order_lines SET qty = qty + 1000 WHERE order_id = " + (1 + i) + " AND line_no = 10");
    };

    static final Writes NEW_LINE_WRITES = (s, i) -> {
        s.execute("INSERT INTO order_lines (order_id, line_no, qty, total) VALUES (" + (2000 + i) + ", 2, 1, 5)");
        s.execute("UPDATE order_lines SET total = -1 WHERE order_id = " + (101 + i) + " AND line_no = 5");
    };

    @Test
    void shouldBackfillATableWithATwoColumnPrimaryKey() throws Exception {
        db.exec(ORDER_LINES);
        Engine engine = start(lineTotals());
        backfillWhileWriting(engine, COMPOSITE, OLD_LINE_WRITES, NEW_LINE_WRITES);

        assertThat(newShapeValue(COMPOSITE, "SELECT count(*) FROM order_lines WHERE total IS NULL"))
                .isEqualTo("0");
        // Every row the new writer did not write holds up over its current old-shape row.
        assertThat(newShapeValue(COMPOSITE, "SELECT count(*) FROM order_lines WHERE total IS DISTINCT FROM qty * 100"))
                .isEqualTo(String.valueOf(2 * WRITES));
        assertThat(
                        newShapeRows(
                                COMPOSITE,
                                "SELECT total FROM order_lines WHERE (order_id, line_no) IN ((1007, 1), (8, 10), (108, 5), (300, 10)) ORDER BY 1"))
                .containsExactly(List.of("-1"), List.of("700"), List.of("31000"), List.of("101800"));
        assertThat(db.rows("SELECT qty FROM order_lines WHERE order_id = 2007")).containsExactly(List.of("1"));

        engine.complete(TransitionRequest.active());

        assertThat(db.definition("public.order_lines"))
                .contains("column 4 total integer true ")
                .contains("constraint order_lines_pkey PRIMARY KEY (order_id, line_no)")
                .doesNotContain("_tandem");
        assertAllValid("public.order_lines");
        assertNoTrace(COMPOSITE, "public.order_lines");
        assertThat(db.value("SELECT count(*) FROM order_lines")).isEqualTo(String.valueOf(3000 + 2 * WRITES));
    }

    @Test
    void shouldRollBackABackfillOnATwoColumnPrimaryKeyLeavingTheTableAsBefore() throws Exception {
        db.exec(ORDER_LINES);
        String before = db.definition("public.order_lines");
        Engine engine = start(lineTotals());
        backfillWhileWriting(engine, COMPOSITE, OLD_LINE_WRITES, NEW_LINE_WRITES);

        engine.rollback(TransitionRequest.active());

        assertThat(db.definition("public.order_lines")).isEqualTo(before);
        assertNoTrace(COMPOSITE, "public.order_lines");
        control(
                ORDER_LINES,
                OLD_LINE_WRITES,
                (s, i) -> s.execute(
                        "INSERT INTO order_lines (order_id, line_no, qty) VALUES (" + (2000 + i) + ", 2, 1)"));
        assertThat(db.rowChecksum("public.order_lines")).isEqualTo(db.rowChecksum("control.order_lines"));
    }

    @Test
    void shouldRefuseABackfillOnATableWithoutAPrimaryKeyAndChangeNothing() {
        db.exec("""
                CREATE TABLE customers (id int, name text);
                INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 100) g;
                """);
        String before = db.everything();
        String rows = db.rowChecksum("public.customers");
        Migration m = TestDb.migration("0001_no_key", """
                  - add_column:
                      table: customers
                      column: { name: upper_name, type: text }
                      up: upper(name)
                """, null);

        assertThatThrownBy(() -> engine().start(m))
                .isInstanceOf(TandemException.class)
                .satisfies(e -> assertThat(((TandemException) e).code()).isEqualTo(ErrorCode.SCHEMA_MISMATCH))
                .hasMessageContaining("table public.customers has no primary key")
                .hasMessageContaining("Add a primary key first")
                .hasMessageContaining("nothing was changed");
        assertThat(db.everything()).isEqualTo(before);
        assertThat(db.rowChecksum("public.customers")).isEqualTo(rows);
    }
}
