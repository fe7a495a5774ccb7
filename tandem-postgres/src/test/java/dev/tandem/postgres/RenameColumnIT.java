package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Migration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RenameColumnIT extends LifecycleFixture {
    static final String ID = "0001_rename_name";

    static Migration migration() {
        return TestDb.migration(ID, """
                  - rename_column: { table: items, from: name, to: title }
                """, """
                  - { field: items.name, sunset: 2020-01-01 }
                """);
    }

    static final Writes NEW_WRITES = (s, i) -> {
        s.execute("INSERT INTO items (id, title, qty) VALUES (" + (20000 + i) + ", 'new" + i + "', 4)");
        s.execute("UPDATE items SET title = 'new-upd" + i + "' WHERE id = " + (101 + i));
    };

    static final Writes NEW_WRITES_IN_OLD_SHAPE = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty) VALUES (" + (20000 + i) + ", 'new" + i + "', 4)");
        s.execute("UPDATE items SET name = 'new-upd" + i + "' WHERE id = " + (101 + i));
    };

    @Test
    void shouldKeepBothShapesInSyncWhenAColumnIsRenamed() throws Exception {
        String before = db.definition("public.items");
        Engine engine = start(migration());
        backfillWhileWriting(engine, ID, OLD_WRITES, NEW_WRITES);

        assertThat(newShapeHasColumn(ID, "items", "name")).isFalse();
        assertThat(newShapeRows(ID, "SELECT title FROM items WHERE id = 10007")).containsExactly(List.of("old7"));
        assertThat(newShapeRows(ID, "SELECT title FROM items WHERE id = 8")).containsExactly(List.of("old-upd7"));
        assertThat(db.rows("SELECT name FROM items WHERE id = 20007")).containsExactly(List.of("new7"));
        assertThat(db.rows("SELECT name FROM items WHERE id = 108")).containsExactly(List.of("new-upd7"));

        engine.complete(TransitionRequest.active());

        // Same column in the same place, with its constraints and index, under its new name.
        assertThat(db.definition("public.items"))
                .isEqualTo(before.replace("column 2 name text", "column 2 title text")
                        .replace("btree (name)", "btree (title)"));
        assertNoTrace(ID, "public.items");
        assertThat(db.rows("SELECT title FROM items WHERE id = 108")).containsExactly(List.of("new-upd7"));
    }

    @Test
    void shouldRollBackARenamedColumnLeavingTheTableAsBeforeWithEveryWrite() throws Exception {
        String before = db.definition("public.items");
        Engine engine = start(migration());
        backfillWhileWriting(engine, ID, OLD_WRITES, NEW_WRITES);

        engine.rollback(TransitionRequest.active());

        assertThat(db.definition("public.items")).isEqualTo(before);
        assertNoTrace(ID, "public.items");
        assertThat(db.rowChecksum("public.items"))
                .isEqualTo(controlChecksum("items", OLD_WRITES, NEW_WRITES_IN_OLD_SHAPE));
    }
}
