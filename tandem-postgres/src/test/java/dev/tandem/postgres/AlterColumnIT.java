package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.Migration;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlterColumnIT extends LifecycleFixture {

    /** Runs a migration to BACKFILLED with both writers, then rolls it back and checks the old table. */
    private void assertRollbackRestores(Migration m, Writes newWrites, Writes newWritesInOldShape) {
        String before = db.definition("public.items");
        Engine engine = start(m);
        backfillWhileWriting(engine, m.id(), OLD_WRITES, newWrites);

        engine.rollback(TransitionRequest.active());

        assertThat(db.definition("public.items")).isEqualTo(before);
        assertNoTrace(m.id(), "public.items");
        assertThat(db.rowChecksum("public.items")).isEqualTo(controlChecksum("items", OLD_WRITES, newWritesInOldShape));
    }

    // ---- type

    static final String TYPE = "0001_qty_bigint";

    static Migration typeChange() {
        return TestDb.migration(TYPE, """
                  - alter_column: { table: items, column: qty, type: bigint, up: "qty::bigint", down: "qty::int" }
                """, null);
    }

    static final Writes TYPE_NEW_WRITES = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty) VALUES (" + (20000 + i) + ", 'new" + i + "', " + (1000 + i) + ")");
        s.execute("UPDATE items SET qty = " + (2000 + i) + " WHERE id = " + (101 + i));
    };

    static final Writes TYPE_NEW_WRITES_IN_OLD_SHAPE = TYPE_NEW_WRITES;

    @Test
    void shouldKeepBothShapesInSyncWhenAColumnTypeChanges() throws Exception {
        Engine engine = start(typeChange());
        backfillWhileWriting(engine, TYPE, OLD_WRITES, TYPE_NEW_WRITES);

        assertThat(newShapeRows(TYPE, "SELECT pg_typeof(qty)::text, qty FROM items WHERE id = 10007"))
                .containsExactly(List.of("bigint", "7"));
        assertThat(newShapeRows(TYPE, "SELECT qty FROM items WHERE id = 8")).containsExactly(List.of("9"));
        assertThat(newShapeRows(TYPE, "SELECT qty FROM items WHERE id = 2549")).containsExactly(List.of("49"));
        assertThat(newShapeValue(TYPE, "SELECT count(*) FROM items WHERE qty IS NULL"))
                .isEqualTo("0");
        assertThat(db.rows("SELECT pg_typeof(qty)::text, qty FROM items WHERE id = 20007"))
                .containsExactly(List.of("integer", "1007"));
        assertThat(db.rows("SELECT qty FROM items WHERE id = 108")).containsExactly(List.of("2007"));

        engine.complete(TransitionRequest.active());

        // The column keeps its default, NOT NULL, check constraint; the other columns are untouched.
        assertThat(db.definition("public.items"))
                .containsPattern("column \\d+ qty bigint true 0\\n")
                .contains("constraint items_qty_check CHECK ((qty >= 0))")
                .contains("constraint items_pkey PRIMARY KEY (id)")
                .contains("constraint items_category_id_fkey FOREIGN KEY (category_id) REFERENCES categories(id)")
                .contains("index CREATE INDEX items_name_idx ON public.items USING btree (name)")
                .doesNotContain("_tandem");
        assertAllValid("public.items");
        assertNoTrace(TYPE, "public.items");
        assertThat(db.rows("SELECT qty FROM items WHERE id = 108")).containsExactly(List.of("2007"));
        assertThat(db.value("SELECT sum(qty) FROM items")).isEqualTo(db.value("SELECT sum(qty::bigint) FROM items"));
        db.exec("INSERT INTO items (id, name, qty) VALUES (30000, 'big', 5000000000)");
        assertThat(failingState("INSERT INTO items (id, name, qty) VALUES (30001, 'neg', -1)"))
                .isEqualTo("23514");
        db.exec("INSERT INTO items (id, name) VALUES (30002, 'default')");
        assertThat(db.value("SELECT qty FROM items WHERE id = 30002")).isEqualTo("0");
    }

    @Test
    void shouldServeTheNewShapeOnlyOnceEveryRowIsInIt() throws Exception {
        Engine engine = start(typeChange());
        // No backfill yet: the copied qty is NULL on every row. Old-shape writes go on, and an update of a
        // row the backfill has not reached fills the copy (it is NOT NULL in the new shape).
        db.exec("UPDATE items SET name = 'touched' WHERE id = 2000");
        db.exec("UPDATE items SET qty = qty + 1 WHERE id = 2001");
        try (Connection n = db.newShape(TYPE);
                Statement s = n.createStatement()) {
            // A client that moved early is told so, instead of reading NULLs or falling through to the
            // old shape; nothing it tries reaches the table.
            for (String early : List.of(
                    "SELECT qty FROM items WHERE id = 2002",
                    "UPDATE items SET qty = qty + 5 WHERE id = 2002",
                    "INSERT INTO items (id, name, qty) VALUES (30003, 'early', 1)",
                    "DELETE FROM items WHERE id = 2002")) {
                assertThatThrownBy(() -> s.execute(early)).as(early).isInstanceOfSatisfying(SQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("55000");
                    assertThat(e.getMessage()).contains("new shape of \"items\" is not served yet");
                });
            }
        }
        assertThat(db.rows("SELECT name, qty FROM items WHERE id IN (2000, 2001, 2002) ORDER BY id"))
                .containsExactly(List.of("touched", "0"), List.of("item2001", "2"), List.of("item2002", "2"));
        assertThat(db.value("SELECT count(*) FROM items WHERE id = 30003")).isEqualTo("0");

        engine.backfill(null);

        // From the moment it is served, every row reads its value through the new shape.
        assertThat(newShapeValue(
                        TYPE, "SELECT count(*) FROM items WHERE qty IS DISTINCT FROM (id % 50) + (id = 2001)::int"))
                .isEqualTo("0");
        try (Connection n = db.newShape(TYPE);
                Statement s = n.createStatement()) {
            s.execute("UPDATE items SET name = 'touched-new', qty = qty + 5 WHERE id = 2002");
        }
        assertThat(db.rows("SELECT name, qty FROM items WHERE id IN (2000, 2001, 2002) ORDER BY id"))
                .containsExactly(List.of("touched", "0"), List.of("item2001", "2"), List.of("touched-new", "7"));

        engine.complete(TransitionRequest.active());

        assertThat(db.rows("SELECT name, qty FROM items WHERE id IN (2000, 2001, 2002) ORDER BY id"))
                .containsExactly(List.of("touched", "0"), List.of("item2001", "2"), List.of("touched-new", "7"));
        assertThat(db.value("SELECT count(*) FROM items WHERE id NOT IN (2001, 2002) AND qty IS DISTINCT FROM id % 50"))
                .isEqualTo("0");
    }

    @Test
    void shouldRollBackATypeChangeLeavingTheTableAsBeforeWithEveryWrite() {
        assertRollbackRestores(typeChange(), TYPE_NEW_WRITES, TYPE_NEW_WRITES_IN_OLD_SHAPE);
    }

    // ---- nullable

    static final String NOT_NULL = "0002_note_not_null";

    static Migration notNull() {
        return TestDb.migration(NOT_NULL, """
                  - alter_column: { table: items, column: note, nullable: false, up: "coalesce(note, 'none')", down: note }
                """, null);
    }

    static final Writes NOT_NULL_NEW_WRITES = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty, note) VALUES (" + (20000 + i) + ", 'new" + i + "', 1, 'n" + i
                + "')");
        s.execute("UPDATE items SET note = 'u" + i + "' WHERE id = " + (101 + i));
    };

    /** The old writer leaves note NULL; up turns that into 'none' in the new shape. */
    static final Writes NULL_NOTE_OLD_WRITES = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty) VALUES (" + (10000 + i) + ", 'old" + i + "', " + i + ")");
        s.execute("UPDATE items SET note = NULL WHERE id = " + (1 + i));
    };

    @Test
    void shouldKeepBothShapesInSyncWhenAColumnBecomesNotNull() throws Exception {
        Engine engine = start(notNull());
        backfillWhileWriting(engine, NOT_NULL, NULL_NOTE_OLD_WRITES, NOT_NULL_NEW_WRITES);

        assertThat(newShapeRows(NOT_NULL, "SELECT note FROM items WHERE id IN (10007, 8, 3, 302) ORDER BY id"))
                .containsExactly(row("none"), row("none"), row("note302"), row("none"));
        assertThat(newShapeValue(NOT_NULL, "SELECT count(*) FROM items WHERE note IS NULL"))
                .isEqualTo("0");
        assertThat(db.rows("SELECT note FROM items WHERE id IN (20007, 108, 10007) ORDER BY id"))
                .containsExactly(List.of("u7"), row((String) null), List.of("n7"));

        engine.complete(TransitionRequest.active());

        assertThat(db.definition("public.items"))
                .containsPattern("column \\d+ note text true \\n")
                .doesNotContain("_tandem");
        assertAllValid("public.items");
        assertNoTrace(NOT_NULL, "public.items");
        assertThat(db.rows("SELECT note FROM items WHERE id IN (3, 108) ORDER BY id"))
                .containsExactly(List.of("none"), List.of("u7"));
        assertThat(failingState("INSERT INTO items (id, name) VALUES (30000, 'no note')"))
                .isEqualTo("23502");
    }

    @Test
    void shouldRollBackANotNullChangeKeepingTheOldNulls() {
        assertRollbackRestores(notNull(), NOT_NULL_NEW_WRITES, NOT_NULL_NEW_WRITES);
    }

    // ---- name (a rename, alone and with a type change)

    static final String RENAME = "0003_alter_names";

    static Migration renames() {
        return TestDb.migration(RENAME, """
                  - alter_column: { table: items, column: name, name: title }
                  - alter_column: { table: items, column: qty, name: quantity, type: bigint, up: "qty::bigint", down: "quantity::int" }
                """, """
                  - { field: items.name, sunset: 2020-01-01 }
                  - { field: items.qty, sunset: 2020-01-01 }
                """);
    }

    static final Writes RENAME_NEW_WRITES = (s, i) -> {
        s.execute("INSERT INTO items (id, title, quantity) VALUES (" + (20000 + i) + ", 'new" + i + "', " + (1000 + i)
                + ")");
        s.execute("UPDATE items SET title = 'new-upd" + i + "', quantity = " + (500 + i) + " WHERE id = " + (101 + i));
    };

    static final Writes RENAME_NEW_WRITES_IN_OLD_SHAPE = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty) VALUES (" + (20000 + i) + ", 'new" + i + "', " + (1000 + i) + ")");
        s.execute("UPDATE items SET name = 'new-upd" + i + "', qty = " + (500 + i) + " WHERE id = " + (101 + i));
    };

    @Test
    void shouldKeepBothShapesInSyncWhenAlterColumnRenamesAColumn() throws Exception {
        Engine engine = start(renames());
        backfillWhileWriting(engine, RENAME, OLD_WRITES, RENAME_NEW_WRITES);

        assertThat(newShapeHasColumn(RENAME, "items", "name")).isFalse();
        assertThat(newShapeHasColumn(RENAME, "items", "qty")).isFalse();
        assertThat(newShapeRows(
                        RENAME, "SELECT title, quantity, pg_typeof(quantity)::text FROM items WHERE id = 10007"))
                .containsExactly(List.of("old7", "7", "bigint"));
        assertThat(newShapeRows(RENAME, "SELECT title, quantity FROM items WHERE id = 8"))
                .containsExactly(List.of("old-upd7", "9"));
        assertThat(db.rows("SELECT name, qty FROM items WHERE id = 20007")).containsExactly(List.of("new7", "1007"));
        assertThat(db.rows("SELECT name, qty FROM items WHERE id = 108")).containsExactly(List.of("new-upd7", "507"));

        engine.complete(TransitionRequest.active());

        assertThat(db.definition("public.items"))
                .contains("column 2 title text true ")
                .containsPattern("column \\d+ quantity bigint true 0\\n")
                .contains("constraint items_qty_check CHECK ((quantity >= 0))")
                .contains("index CREATE INDEX items_name_idx ON public.items USING btree (title)")
                .doesNotContain(" name ")
                .doesNotContain(" qty ")
                .doesNotContain("_tandem");
        assertAllValid("public.items");
        assertNoTrace(RENAME, "public.items");
        assertThat(db.rows("SELECT title, quantity FROM items WHERE id = 108"))
                .containsExactly(List.of("new-upd7", "507"));
    }

    @Test
    void shouldRollBackAlterColumnRenamesLeavingTheTableAsBeforeWithEveryWrite() {
        assertRollbackRestores(renames(), RENAME_NEW_WRITES, RENAME_NEW_WRITES_IN_OLD_SHAPE);
    }

    // ---- check

    static final String CHECK = "0004_qty_max";

    static Migration check() {
        return TestDb.migration(CHECK, """
                  - alter_column: { table: items, column: qty, check: "qty <= 40", up: "least(qty, 40)", down: qty }
                """, null);
    }

    static final Writes CHECK_NEW_WRITES = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty) VALUES (" + (20000 + i) + ", 'new" + i + "', " + (i % 40) + ")");
        s.execute("UPDATE items SET qty = 40 WHERE id = " + (101 + i));
    };

    @Test
    void shouldKeepBothShapesInSyncWhenAColumnGetsACheck() throws Exception {
        Engine engine = start(check());
        backfillWhileWriting(engine, CHECK, OLD_WRITES, CHECK_NEW_WRITES);

        // The old writer writes qty up to 100; the new shape sees it capped by up.
        assertThat(newShapeRows(CHECK, "SELECT qty FROM items WHERE id IN (10007, 10077, 49) ORDER BY id"))
                .containsExactly(List.of("40"), List.of("7"), List.of("40"));
        assertThat(newShapeValue(CHECK, "SELECT count(*) FROM items WHERE qty > 40"))
                .isEqualTo("0");
        assertThat(db.rows("SELECT qty FROM items WHERE id IN (77, 108, 20007) ORDER BY id"))
                .containsExactly(List.of("28"), List.of("40"), List.of("7"));
        assertThat(db.rows("SELECT qty FROM items WHERE id = 10077")).containsExactly(List.of("77"));
        assertThat(db.rows("SELECT qty FROM items WHERE id = 49")).containsExactly(List.of("50"));
        // Through the new shape, SET qty = 40 on a row whose old qty is 45 changes no value (up already
        // caps it at 40): a view sees values, not assignments, so the old shape keeps its 45. Where the
        // value changes (old qty 20), the old shape receives it.
        assertThat(db.rows("SELECT qty FROM items WHERE id IN (120, 145) ORDER BY id"))
                .containsExactly(List.of("40"), List.of("45"));

        engine.complete(TransitionRequest.active());

        assertThat(db.definition("public.items"))
                .containsPattern("column \\d+ qty integer true 0\\n")
                .contains("constraint items_qty_check CHECK ((qty >= 0))")
                .contains("constraint items_qty_check1 CHECK ((qty <= 40))")
                .doesNotContain("NOT VALID")
                .doesNotContain("_tandem");
        assertAllValid("public.items");
        assertNoTrace(CHECK, "public.items");
        assertThat(failingState("INSERT INTO items (id, name, qty) VALUES (30000, 'too many', 41)"))
                .isEqualTo("23514");
    }

    @Test
    void shouldRollBackACheckLeavingTheTableAsBeforeWithEveryWrite() {
        // In the old shape, the new-shape writes change the rows whose capped value changes.
        assertRollbackRestores(check(), CHECK_NEW_WRITES, (st, i) -> {
            st.execute(
                    "INSERT INTO items (id, name, qty) VALUES (" + (20000 + i) + ", 'new" + i + "', " + (i % 40) + ")");
            st.execute("UPDATE items SET qty = 40 WHERE qty < 40 AND id = " + (101 + i));
        });
    }

    // ---- default

    static final String DEFAULT = "0005_note_default";

    static Migration defaultValue() {
        return TestDb.migration(DEFAULT, """
                  - alter_column: { table: items, column: note, default: "'(none)'" }
                """, null);
    }

    /** The new writer leaves note out, so the new default applies; the old writer's rows keep NULL. */
    static final Writes DEFAULT_NEW_WRITES = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty) VALUES (" + (20000 + i) + ", 'new" + i + "', 1)");
        s.execute("UPDATE items SET note = 'u" + i + "' WHERE id = " + (101 + i));
    };

    static final Writes DEFAULT_NEW_WRITES_IN_OLD_SHAPE = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty, note) VALUES (" + (20000 + i) + ", 'new" + i + "', 1, '(none)')");
        s.execute("UPDATE items SET note = 'u" + i + "' WHERE id = " + (101 + i));
    };

    static final Writes NO_NOTE_OLD_WRITES = (s, i) ->
            s.execute("INSERT INTO items (id, name, qty) VALUES (" + (10000 + i) + ", 'old" + i + "', " + i + ")");

    @Test
    void shouldKeepBothShapesInSyncWhenAColumnDefaultChanges() throws Exception {
        Engine engine = start(defaultValue());
        backfillWhileWriting(engine, DEFAULT, NO_NOTE_OLD_WRITES, DEFAULT_NEW_WRITES);

        assertThat(newShapeRows(DEFAULT, "SELECT note FROM items WHERE id IN (3, 4, 108, 10007, 20007) ORDER BY id"))
                .containsExactly(
                        row((String) null), List.of("note4"), List.of("u7"), row((String) null), List.of("(none)"));
        assertThat(db.rows("SELECT note FROM items WHERE id IN (3, 4, 108, 10007, 20007) ORDER BY id"))
                .containsExactly(
                        row((String) null), List.of("note4"), List.of("u7"), row((String) null), List.of("(none)"));

        engine.complete(TransitionRequest.active());

        assertThat(db.definition("public.items"))
                .containsPattern("column \\d+ note text false '\\(none\\)'::text\\n")
                .doesNotContain("_tandem");
        assertAllValid("public.items");
        assertNoTrace(DEFAULT, "public.items");
        // The seed's 1000 NULLs, less the 33 the new writer updated, plus the old writer's 100.
        assertThat(db.value("SELECT count(*) FROM items WHERE note IS NULL")).isEqualTo("1067");
        db.exec("INSERT INTO items (id, name) VALUES (30000, 'after')");
        assertThat(db.value("SELECT note FROM items WHERE id = 30000")).isEqualTo("(none)");
    }

    @Test
    void shouldRollBackADefaultChangeLeavingTheTableAsBeforeWithEveryWrite() {
        String before = db.definition("public.items");
        Engine engine = start(defaultValue());
        backfillWhileWriting(engine, DEFAULT, NO_NOTE_OLD_WRITES, DEFAULT_NEW_WRITES);

        engine.rollback(TransitionRequest.active());

        assertThat(db.definition("public.items")).isEqualTo(before);
        assertNoTrace(DEFAULT, "public.items");
        assertThat(db.rowChecksum("public.items"))
                .isEqualTo(controlChecksum("items", NO_NOTE_OLD_WRITES, DEFAULT_NEW_WRITES_IN_OLD_SHAPE));
    }
}
