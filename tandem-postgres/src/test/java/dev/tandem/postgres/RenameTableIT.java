package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Migration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RenameTableIT extends LifecycleFixture {
    static final String ID = "0001_rename_items";

    static Migration migration() {
        return TestDb.migration(ID, """
                  - rename_table: { from: items, to: products }
                """, """
                  - { field: items, sunset: 2020-01-01 }
                """);
    }

    static final Writes NEW_WRITES = (s, i) -> {
        s.execute("INSERT INTO products (id, name, qty) VALUES (" + (20000 + i) + ", 'new" + i + "', 1)");
        s.execute("UPDATE products SET name = 'new-upd" + i + "' WHERE id = " + (101 + i));
    };

    static final Writes NEW_WRITES_IN_OLD_SHAPE = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty) VALUES (" + (20000 + i) + ", 'new" + i + "', 1)");
        s.execute("UPDATE items SET name = 'new-upd" + i + "' WHERE id = " + (101 + i));
    };

    @Test
    void shouldKeepBothShapesInSyncWhenATableIsRenamed() throws Exception {
        String before = db.definition("public.items");
        Engine engine = start(migration());
        backfillWhileWriting(engine, ID, OLD_WRITES, NEW_WRITES);

        assertThat(newShapeRows(ID, "SELECT name, qty FROM products WHERE id = 10007"))
                .containsExactly(List.of("old7", "7"));
        assertThat(newShapeRows(ID, "SELECT name FROM products WHERE id = 8")).containsExactly(List.of("old-upd7"));
        assertThat(db.rows("SELECT name FROM items WHERE id IN (108, 20007) ORDER BY id"))
                .containsExactly(List.of("new-upd7"), List.of("new7"));

        engine.complete(TransitionRequest.active());

        assertThat(db.value("SELECT to_regclass('public.items')")).isNull();
        assertThat(db.definition("public.products"))
                .isEqualTo(before.replace("ON public.items ", "ON public.products "));
        assertNoTrace(ID, "public.products");
        assertThat(db.value("SELECT count(*) FROM products")).isEqualTo(String.valueOf(ROWS + 2 * WRITES));
    }

    @Test
    void shouldRollBackATableRenameLeavingTheTableAsBeforeWithEveryWrite() throws Exception {
        String before = db.definition("public.items");
        Engine engine = start(migration());
        backfillWhileWriting(engine, ID, OLD_WRITES, NEW_WRITES);

        engine.rollback(TransitionRequest.active());

        assertThat(db.value("SELECT to_regclass('public.products')")).isNull();
        assertThat(db.definition("public.items")).isEqualTo(before);
        assertNoTrace(ID, "public.items");
        assertThat(db.rowChecksum("public.items"))
                .isEqualTo(controlChecksum("items", OLD_WRITES, NEW_WRITES_IN_OLD_SHAPE));
    }

    @Test
    void shouldServeOnlyTheNewNameInTheNewShape() throws Exception {
        start(migration()).backfill(null);
        try (java.sql.Connection n = db.newShape(ID)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestDb.rows(n, "SELECT count(*) FROM items"))
                    .hasMessageContaining("relation \"items\" does not exist in the new shape");
            assertThat(TestDb.rows(n, "SELECT count(*) FROM products")).containsExactly(List.of(String.valueOf(ROWS)));
        }
    }
}
