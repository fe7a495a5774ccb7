package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Migration;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConstraintIT extends LifecycleFixture {

    /** Runs a migration to BACKFILLED with both writers, then rolls it back and checks the old table. */
    private void assertRollbackRestores(Migration m, Writes oldWrites, Writes newWrites, Writes newWritesInOldShape) {
        String before = db.definition("public.items");
        Engine engine = start(m);
        backfillWhileWriting(engine, m.id(), oldWrites, newWrites);

        engine.rollback(TransitionRequest.active());

        assertThat(db.definition("public.items")).isEqualTo(before);
        assertNoTrace(m.id(), "public.items");
        assertThat(db.rowChecksum("public.items")).isEqualTo(controlChecksum("items", oldWrites, newWritesInOldShape));
    }

    private void assertBothShapesSeeTheSameRows(String id) throws Exception {
        try (Connection n = db.newShape(id);
                Connection o = db.old()) {
            assertThat(checksum(n, "items")).isEqualTo(checksum(o, "items"));
        }
    }

    // ---- check, unique and foreign key, on the columns as they are

    static final String PLAIN = "0001_constraints";

    static Migration plain() {
        return TestDb.migration(PLAIN, """
                  - create_constraint: { table: items, name: items_qty_max, type: check, columns: [qty], check: "qty < 1000" }
                  - create_constraint: { table: items, name: items_name_key, type: unique, columns: [name] }
                  - create_constraint:
                      table: items
                      name: items_owner_fkey
                      type: foreign_key
                      columns: [owner_id]
                      references: { table: categories, columns: [id] }
                """, null);
    }

    static final Writes PLAIN_NEW_WRITES = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty, owner_id) VALUES (" + (20000 + i) + ", 'new" + i + "', 999, 5)");
        s.execute("UPDATE items SET owner_id = 2, qty = 500 WHERE id = " + (101 + i));
    };

    @Test
    void shouldAddCheckUniqueAndForeignKeyConstraintsWhileBothShapesWrite() throws Exception {
        Engine engine = start(plain());
        backfillWhileWriting(engine, PLAIN, OLD_WRITES, PLAIN_NEW_WRITES);

        assertBothShapesSeeTheSameRows(PLAIN);
        assertThat(newShapeRows(PLAIN, "SELECT name, qty FROM items WHERE id = 10007"))
                .containsExactly(List.of("old7", "7"));
        assertThat(db.rows("SELECT qty, owner_id FROM items WHERE id IN (108, 20007) ORDER BY id"))
                .containsExactly(List.of("500", "2"), List.of("999", "5"));
        // New writes are checked from the start, through either shape.
        assertThat(failingState("INSERT INTO items (id, name, qty) VALUES (30000, 'x', 1000)"))
                .isEqualTo("23514");
        assertThat(failingState("INSERT INTO items (id, name, owner_id) VALUES (30001, 'y', 99)"))
                .isEqualTo("23503");

        engine.complete(TransitionRequest.active());

        assertThat(db.definition("public.items"))
                .contains("constraint items_qty_max CHECK ((qty < 1000))")
                .contains("constraint items_name_key UNIQUE (name)")
                .contains("index CREATE UNIQUE INDEX items_name_key ON public.items USING btree (name)")
                .contains("constraint items_owner_fkey FOREIGN KEY (owner_id) REFERENCES categories(id)")
                .contains("constraint items_qty_check CHECK ((qty >= 0))")
                .doesNotContain("NOT VALID")
                .doesNotContain("_tandem");
        assertAllValid("public.items");
        assertNoTrace(PLAIN, "public.items");
        assertThat(failingState("INSERT INTO items (id, name) VALUES (30002, 'new7')"))
                .isEqualTo("23505");
    }

    @Test
    void shouldRollBackAddedConstraintsLeavingTheTableAsBeforeWithEveryWrite() {
        assertRollbackRestores(plain(), OLD_WRITES, PLAIN_NEW_WRITES, PLAIN_NEW_WRITES);
    }

    // ---- check and foreign key with up and down: existing rows are fixed in the new shape only

    static final String MAPPED = "0002_constraints_mapped";

    static Migration mapped() {
        return TestDb.migration(MAPPED, """
                  - create_constraint:
                      table: items
                      name: items_note_short
                      type: check
                      columns: [note]
                      check: "length(note) <= 6"
                      up: { note: "left(note, 6)" }
                      down: { note: note }
                  - create_constraint:
                      table: items
                      name: items_owner_fkey
                      type: foreign_key
                      columns: [owner_id]
                      references: { table: categories, columns: [id] }
                      up: { owner_id: "CASE WHEN owner_id BETWEEN 1 AND 5 THEN owner_id END" }
                      down: { owner_id: owner_id }
                """, null);
    }

    /** The old writer writes long notes and unknown owners; the new shape sees them mapped by up. */
    static final Writes MAPPED_OLD_WRITES = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty, note, owner_id) VALUES (" + (10000 + i) + ", 'old" + i
                + "', 1, 'a-long-note-" + i + "', 77)");
        s.execute("UPDATE items SET note = 'longer-" + i + "', owner_id = 0 WHERE id = " + (1 + i));
    };

    static final Writes MAPPED_NEW_WRITES = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty, note, owner_id) VALUES (" + (20000 + i) + ", 'new" + i + "', 1, 'n"
                + i + "', 3)");
        s.execute("UPDATE items SET note = 'u" + i + "', owner_id = NULL WHERE id = " + (101 + i));
    };

    @Test
    void shouldKeepBothShapesInSyncWhenConstraintsComeWithUpAndDown() throws Exception {
        db.exec("UPDATE items SET owner_id = 99 WHERE id % 100 = 0");
        Engine engine = start(mapped());
        backfillWhileWriting(engine, MAPPED, MAPPED_OLD_WRITES, MAPPED_NEW_WRITES);

        assertThat(newShapeRows(
                        MAPPED, "SELECT note, owner_id FROM items WHERE id IN (8, 1000, 1001, 10007) ORDER BY id"))
                .containsExactly(row("longer", null), row("note10", null), row("note10", "2"), row("a-long", null));
        assertThat(newShapeValue(
                        MAPPED, "SELECT count(*) FROM items WHERE length(note) > 6 OR owner_id NOT BETWEEN 1 AND 5"))
                .isEqualTo("0");
        assertThat(db.rows("SELECT note, owner_id FROM items WHERE id IN (108, 1000, 10007, 20007) ORDER BY id"))
                .containsExactly(row("u7", null), row("note1000", "99"), row("a-long-note-7", "77"), row("n7", "3"));

        engine.complete(TransitionRequest.active());

        assertThat(db.definition("public.items"))
                .containsPattern("column \\d+ note text false \\n")
                .containsPattern("column \\d+ owner_id integer false \\n")
                .contains("constraint items_note_short CHECK ((length(note) <= 6))")
                .contains("constraint items_owner_fkey FOREIGN KEY (owner_id) REFERENCES categories(id)")
                .doesNotContain("NOT VALID")
                .doesNotContain("_tandem");
        assertAllValid("public.items");
        assertNoTrace(MAPPED, "public.items");
        assertThat(db.rows("SELECT note, owner_id FROM items WHERE id IN (1000, 10007, 20007) ORDER BY id"))
                .containsExactly(row("note10", null), row("a-long", null), row("n7", "3"));
        assertThat(failingState("INSERT INTO items (id, name, note) VALUES (30000, 'x', 'too-long')"))
                .isEqualTo("23514");
    }

    @Test
    void shouldRollBackConstraintsWithUpAndDownKeepingTheOldValues() {
        db.exec("UPDATE items SET owner_id = 99 WHERE id % 100 = 0");
        String before = db.definition("public.items");
        Engine engine = start(mapped());
        backfillWhileWriting(engine, MAPPED, MAPPED_OLD_WRITES, MAPPED_NEW_WRITES);

        engine.rollback(TransitionRequest.active());

        assertThat(db.definition("public.items")).isEqualTo(before);
        assertNoTrace(MAPPED, "public.items");
        // In the old shape, the new writer's NULL owner reaches only the rows where it changed the new
        // shape's value: where up already mapped the owner to NULL (owner 99), the old value stays.
        control(
                "UPDATE items SET owner_id = 99 WHERE id % 100 = 0",
                MAPPED_OLD_WRITES, (s, i) -> {
                    s.execute("INSERT INTO items (id, name, qty, note, owner_id) VALUES (" + (20000 + i) + ", 'new" + i
                            + "', 1, 'n" + i + "', 3)");
                    s.execute("UPDATE items SET note = 'u" + i + "' WHERE id = " + (101 + i));
                    s.execute("UPDATE items SET owner_id = NULL WHERE owner_id BETWEEN 1 AND 5 AND id = " + (101 + i));
                });
        assertThat(db.rowChecksum("public.items")).isEqualTo(db.rowChecksum("control.items"));
    }

    // ---- drop_constraint

    static final String DROP = "0003_drop_check";

    static Migration drop() {
        return TestDb.migration(DROP, """
                  - drop_constraint: { table: items, name: items_qty_check }
                """, null);
    }

    static final Writes DROP_NEW_WRITES = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty) VALUES (" + (20000 + i) + ", 'new" + i + "', " + i + ")");
        s.execute("UPDATE items SET qty = 0 WHERE id = " + (101 + i));
    };

    @Test
    void shouldKeepAConstraintUntilCompleteAndThenDropIt() throws Exception {
        String before = db.definition("public.items");
        Engine engine = start(drop());
        backfillWhileWriting(engine, DROP, OLD_WRITES, DROP_NEW_WRITES);

        assertBothShapesSeeTheSameRows(DROP);
        assertThat(newShapeRows(DROP, "SELECT qty FROM items WHERE id IN (108, 10007, 20007) ORDER BY id"))
                .containsExactly(List.of("0"), List.of("7"), List.of("7"));

        engine.complete(TransitionRequest.active());

        assertThat(db.definition("public.items"))
                .isEqualTo(before.lines()
                        .filter(l -> !l.contains("items_qty_check"))
                        .collect(java.util.stream.Collectors.joining("\n")));
        assertNoTrace(DROP, "public.items");
        db.exec("INSERT INTO items (id, name, qty) VALUES (30000, 'negative', -1)");
    }

    @Test
    void shouldRollBackAConstraintDropLeavingTheTableAsBeforeWithEveryWrite() {
        assertRollbackRestores(drop(), OLD_WRITES, DROP_NEW_WRITES, DROP_NEW_WRITES);
    }
}
