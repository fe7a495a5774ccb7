package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.Migration;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

class AddColumnIT extends LifecycleFixture {
    static final String NOT_NULL = "0001_not_null";
    static final String CONSTRAINED = "0002_constrained";

    /** A NOT NULL column filled from its default, and a NOT NULL column filled from up. */
    static Migration notNullColumns() {
        return TestDb.migration(NOT_NULL, """
                  - add_column:
                      table: items
                      column: { name: status, type: text, nullable: false, default: "'active'" }
                  - add_column:
                      table: items
                      column: { name: label, type: text, nullable: false }
                      up: upper(name)
                """, null);
    }

    static final Writes NOT_NULL_NEW_WRITES = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty, status, label) VALUES (" + (20000 + i) + ", 'new" + i
                + "', 1, 'archived', 'L" + i + "')");
        s.execute("UPDATE items SET status = 'archived', label = 'X" + i + "' WHERE id = " + (101 + i));
    };

    /** What the new writer's writes are in the old shape. */
    static final Writes NOT_NULL_NEW_WRITES_IN_OLD_SHAPE =
            (s, i) -> s.execute("INSERT INTO items (id, name, qty) VALUES (" + (20000 + i) + ", 'new" + i + "', 1)");

    @Test
    void shouldKeepBothShapesInSyncWhenNotNullColumnsAreAddedWithADefaultAndWithUp() throws Exception {
        Engine engine = start(notNullColumns());
        backfillWhileWriting(engine, NOT_NULL, OLD_WRITES, NOT_NULL_NEW_WRITES);

        // The new shape sees the old writer's rows, with the default and with up applied.
        assertThat(newShapeRows(NOT_NULL, "SELECT status, label FROM items WHERE id = 10007"))
                .containsExactly(List.of("active", "OLD7"));
        assertThat(newShapeRows(NOT_NULL, "SELECT status, label FROM items WHERE id = 8"))
                .containsExactly(List.of("active", "OLD-UPD7"));
        assertThat(newShapeRows(NOT_NULL, "SELECT status, label FROM items WHERE id = 2500"))
                .containsExactly(List.of("active", "ITEM2500"));
        assertThat(newShapeRows(NOT_NULL, "SELECT status, label FROM items WHERE id = 108"))
                .containsExactly(List.of("archived", "X7"));
        assertThat(newShapeValue(NOT_NULL, "SELECT count(*) FROM items WHERE status IS NULL OR label IS NULL"))
                .isEqualTo("0");
        // The old shape sees the new writer's rows, and not the new columns.
        assertThat(db.rows("SELECT name, qty FROM items WHERE id = 20007")).containsExactly(List.of("new7", "1"));
        assertThat(db.value("SELECT count(*) FROM items")).isEqualTo(String.valueOf(ROWS + 2 * WRITES));

        engine.complete(TransitionRequest.active());

        assertThat(db.definition("public.items"))
                .contains("column 7 status text true 'active'::text")
                .contains("column 8 label text true ")
                .doesNotContain("_tandem");
        assertAllValid("public.items");
        assertNoTrace(NOT_NULL, "public.items");
        assertThat(db.rows("SELECT status, label FROM items WHERE id = 20007"))
                .containsExactly(List.of("archived", "L7"));
        assertThat(db.rows("SELECT status, label FROM items WHERE id = 2500"))
                .containsExactly(List.of("active", "ITEM2500"));
        db.exec("INSERT INTO items (id, name, label) VALUES (30000, 'after', 'AFTER')");
        assertThat(db.value("SELECT status FROM items WHERE id = 30000")).isEqualTo("active");
        assertThat(failingState("INSERT INTO items (id, name) VALUES (30001, 'no label')"))
                .isEqualTo("23502");
    }

    @Test
    void shouldFillNotNullColumnsOfRowsTheBackfillHasNotReachedWhenTheOldShapeUpdatesThem() throws Exception {
        Engine engine = start(notNullColumns());
        // No backfill yet: status and label are NULL on every row, and NOT NULL in the new shape.
        db.exec("UPDATE items SET qty = 5 WHERE id = 2000");
        db.exec("UPDATE items SET name = 'renamed' WHERE id = 2001");
        assertThat(db.rows("SELECT qty, status, label FROM items WHERE id IN (2000, 2001, 2002) ORDER BY id"))
                .containsExactly(row("5", "active", "ITEM2000"), row("1", "active", "RENAMED"), row("2", null, null));

        engine.backfill(null);
        try (Connection n = db.newShape(NOT_NULL);
                Statement s = n.createStatement()) {
            s.execute("UPDATE items SET status = 'archived' WHERE id = 2001");
            // Through the new shape, a NULL in a new NOT NULL column is refused as it will be after complete.
            assertThatThrownBy(() -> s.execute("UPDATE items SET label = NULL WHERE id = 2002"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("23502"));
            assertThatThrownBy(() -> s.execute("INSERT INTO items (id, name) VALUES (30000, 'no label')"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("23502"));
        }
        engine.complete(TransitionRequest.active());

        assertThat(db.rows("SELECT qty, status, label FROM items WHERE id IN (2000, 2001, 2002) ORDER BY id"))
                .containsExactly(
                        row("5", "active", "ITEM2000"),
                        row("1", "archived", "RENAMED"),
                        row("2", "active", "ITEM2002"));
    }

    @Test
    void shouldRollBackAddedNotNullColumnsLeavingTheTableAsBeforeWithEveryWrite() throws Exception {
        String before = db.definition("public.items");
        Engine engine = start(notNullColumns());
        backfillWhileWriting(engine, NOT_NULL, OLD_WRITES, NOT_NULL_NEW_WRITES);

        engine.rollback(TransitionRequest.active());

        assertThat(db.definition("public.items")).isEqualTo(before);
        assertNoTrace(NOT_NULL, "public.items");
        assertThat(db.rowChecksum("public.items"))
                .isEqualTo(controlChecksum("items", OLD_WRITES, NOT_NULL_NEW_WRITES_IN_OLD_SHAPE));
    }

    /** Columns with a unique constraint, a check and a foreign key, each filled from up. */
    static Migration constrainedColumns() {
        return TestDb.migration(CONSTRAINED, """
                  - add_column:
                      table: items
                      column: { name: sku, type: text, unique: true }
                      up: "'sku-' || id"
                  - add_column:
                      table: items
                      column: { name: price, type: int, check: "price >= 0" }
                      up: qty * 10
                  - add_column:
                      table: items
                      column: { name: category_ref, type: int, references: { table: categories, column: id } }
                      up: category_id
                """, null);
    }

    static final Writes CONSTRAINED_NEW_WRITES = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty, sku, price, category_ref) VALUES (" + (20000 + i) + ", 'new" + i
                + "', 2, 'nsku" + i + "', 5, 2)");
        s.execute("UPDATE items SET price = 7, sku = 'usku" + i + "' WHERE id = " + (101 + i));
    };

    static final Writes CONSTRAINED_NEW_WRITES_IN_OLD_SHAPE =
            (s, i) -> s.execute("INSERT INTO items (id, name, qty) VALUES (" + (20000 + i) + ", 'new" + i + "', 2)");

    @Test
    void shouldKeepBothShapesInSyncWhenUniqueCheckedAndReferencingColumnsAreAdded() throws Exception {
        Engine engine = start(constrainedColumns());
        backfillWhileWriting(engine, CONSTRAINED, OLD_WRITES, CONSTRAINED_NEW_WRITES);

        assertThat(newShapeRows(CONSTRAINED, "SELECT sku, price, category_ref FROM items WHERE id = 10007"))
                .containsExactly(List.of("sku-10007", "70", "1"));
        assertThat(newShapeRows(CONSTRAINED, "SELECT sku, price, category_ref FROM items WHERE id = 2500"))
                .containsExactly(List.of("sku-2500", "0", "1"));
        assertThat(newShapeRows(CONSTRAINED, "SELECT sku, price FROM items WHERE id = 108"))
                .containsExactly(List.of("usku7", "7"));
        assertThat(newShapeValue(CONSTRAINED, "SELECT count(*) FROM items WHERE sku IS NULL OR price IS NULL"))
                .isEqualTo("0");
        assertThat(db.rows("SELECT name, qty FROM items WHERE id = 20007")).containsExactly(List.of("new7", "2"));

        engine.complete(TransitionRequest.active());

        assertThat(db.definition("public.items"))
                .contains("column 7 sku text false ")
                .contains("column 8 price integer false ")
                .contains("column 9 category_ref integer false ")
                .contains("constraint items_sku_key UNIQUE (sku)")
                .contains("index CREATE UNIQUE INDEX items_sku_key ON public.items USING btree (sku)")
                .contains("constraint items_price_check CHECK ((price >= 0))")
                .contains("constraint items_category_ref_fkey FOREIGN KEY (category_ref) REFERENCES categories(id)")
                .doesNotContain("NOT VALID")
                .doesNotContain("_tandem");
        assertAllValid("public.items");
        assertNoTrace(CONSTRAINED, "public.items");
        assertThat(db.rows("SELECT sku, price, category_ref FROM items WHERE id = 20007"))
                .containsExactly(List.of("nsku7", "5", "2"));
        assertThat(failingState("INSERT INTO items (id, name, sku) VALUES (30000, 'dup', 'sku-2500')"))
                .isEqualTo("23505");
        assertThat(failingState("INSERT INTO items (id, name, price) VALUES (30001, 'neg', -1)"))
                .isEqualTo("23514");
        assertThat(failingState("INSERT INTO items (id, name, category_ref) VALUES (30002, 'orphan', 99)"))
                .isEqualTo("23503");
    }

    @Test
    void shouldRollBackAddedConstrainedColumnsLeavingTheTableAsBeforeWithEveryWrite() throws Exception {
        String before = db.definition("public.items");
        Engine engine = start(constrainedColumns());
        backfillWhileWriting(engine, CONSTRAINED, OLD_WRITES, CONSTRAINED_NEW_WRITES);

        engine.rollback(TransitionRequest.active());

        assertThat(db.definition("public.items")).isEqualTo(before);
        assertNoTrace(CONSTRAINED, "public.items");
        assertThat(db.rowChecksum("public.items"))
                .isEqualTo(controlChecksum("items", OLD_WRITES, CONSTRAINED_NEW_WRITES_IN_OLD_SHAPE));
    }
}
