package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Migration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DropColumnIT extends LifecycleFixture {
    static final String ID = "0001_drop_note";

    static Migration migration() {
        return TestDb.migration(ID, """
                  - drop_column: { table: items, column: note, down: "'from-new-' || name" }
                """, """
                  - { field: items.note, sunset: 2020-01-01 }
                """);
    }

    /** The new shape has no note: the trigger feeds it from down on every write that changes name. */
    static final Writes NEW_WRITES = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty) VALUES (" + (20000 + i) + ", 'new" + i + "', 3)");
        s.execute("UPDATE items SET name = 'new-upd" + i + "' WHERE id = " + (101 + i));
    };

    static final Writes NEW_WRITES_IN_OLD_SHAPE = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty, note) VALUES (" + (20000 + i) + ", 'new" + i
                + "', 3, 'from-new-new" + i + "')");
        s.execute("UPDATE items SET name = 'new-upd" + i + "', note = 'from-new-new-upd" + i + "' WHERE id = "
                + (101 + i));
    };

    @Test
    void shouldKeepBothShapesInSyncWhenAColumnIsDropped() throws Exception {
        String before = db.definition("public.items");
        Engine engine = start(migration());
        backfillWhileWriting(engine, ID, OLD_WRITES, NEW_WRITES);

        assertThat(newShapeHasColumn(ID, "items", "note")).isFalse();
        assertThat(newShapeRows(ID, "SELECT name, qty FROM items WHERE id = 10007"))
                .containsExactly(List.of("old7", "7"));
        assertThat(newShapeRows(ID, "SELECT name FROM items WHERE id = 8")).containsExactly(List.of("old-upd7"));
        assertThat(db.rows("SELECT name, note FROM items WHERE id = 20007"))
                .containsExactly(List.of("new7", "from-new-new7"));
        assertThat(db.rows("SELECT name, note FROM items WHERE id = 108"))
                .containsExactly(List.of("new-upd7", "from-new-new-upd7"));
        // Rows the new shape did not write keep their note.
        assertThat(db.rows("SELECT note FROM items WHERE id = 10007")).containsExactly(List.of("o7"));

        engine.complete(TransitionRequest.active());

        assertThat(db.definition("public.items"))
                .isEqualTo(before.lines()
                        .filter(l -> !l.startsWith("column 4 note"))
                        .collect(java.util.stream.Collectors.joining("\n")));
        assertAllValid("public.items");
        assertNoTrace(ID, "public.items");
        assertThat(db.value("SELECT count(*) FROM items")).isEqualTo(String.valueOf(ROWS + 2 * WRITES));
        assertThat(db.rows("SELECT name, qty FROM items WHERE id = 20007")).containsExactly(List.of("new7", "3"));
    }

    @Test
    void shouldRollBackADroppedColumnWithTheValuesDownComputed() throws Exception {
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
