package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Migration;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DropTableIT extends LifecycleFixture {
    static final String ID = "0001_drop_legacy";
    static final String LEGACY = """
            CREATE TABLE legacy (id int PRIMARY KEY, v text NOT NULL DEFAULT 'x');
            INSERT INTO legacy SELECT g, 'v' || g FROM generate_series(1, 500) g;
            """;

    @BeforeEach
    void legacy() {
        db.exec(LEGACY);
    }

    static Migration migration() {
        return TestDb.migration(ID, """
                  - drop_table: { name: legacy }
                """, """
                  - { field: legacy, sunset: 2020-01-01 }
                """);
    }

    /** The old writer still writes the table being dropped. */
    static final Writes OLD_LEGACY_WRITES = (s, i) -> {
        OLD_WRITES.write(s, i);
        s.execute("INSERT INTO legacy (id, v) VALUES (" + (1000 + i) + ", 'old" + i + "')");
        s.execute("UPDATE legacy SET v = 'upd" + i + "' WHERE id = " + (1 + i));
    };

    static final Writes NEW_WRITES = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty) VALUES (" + (20000 + i) + ", 'new" + i + "', 1)");
        s.execute("UPDATE items SET note = 'new' WHERE id = " + (101 + i));
    };

    @Test
    void shouldKeepServingTheOldShapeWhileATableIsDroppedAndDropItAtComplete() throws Exception {
        Engine engine = start(migration());
        backfillWhileWriting(engine, ID, OLD_LEGACY_WRITES, NEW_WRITES);

        try (Connection n = db.newShape(ID);
                Connection o = db.old()) {
            assertThat(checksum(n, "items")).isEqualTo(checksum(o, "items"));
        }
        assertThat(newShapeRows(ID, "SELECT name FROM items WHERE id = 10007")).containsExactly(List.of("old7"));
        assertThat(db.rows("SELECT name FROM items WHERE id = 20007")).containsExactly(List.of("new7"));
        assertThat(db.value("SELECT count(*) FROM legacy")).isEqualTo("600");

        engine.complete(TransitionRequest.active());

        assertThat(db.value("SELECT to_regclass('public.legacy')")).isNull();
        assertNoTrace(ID, "public.items");
        assertThat(db.value("SELECT count(*) FROM items")).isEqualTo(String.valueOf(ROWS + 2 * WRITES));
    }

    @Test
    void shouldRollBackATableDropLeavingTheTableAsBeforeWithEveryWrite() throws Exception {
        String before = db.definition("public.legacy");
        Engine engine = start(migration());
        backfillWhileWriting(engine, ID, OLD_LEGACY_WRITES, NEW_WRITES);

        engine.rollback(TransitionRequest.active());

        assertThat(db.definition("public.legacy")).isEqualTo(before);
        assertNoTrace(ID, "public.legacy");
        control(LEGACY, OLD_LEGACY_WRITES, NEW_WRITES);
        assertThat(db.rowChecksum("public.legacy")).isEqualTo(db.rowChecksum("control.legacy"));
        assertThat(db.rowChecksum("public.items")).isEqualTo(db.rowChecksum("control.items"));
    }

    @Test
    void shouldHideTheDroppedTableFromTheNewShape() throws Exception {
        start(migration());
        try (Connection n = db.newShape(ID)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestDb.rows(n, "SELECT count(*) FROM legacy"))
                    .hasMessageContaining("relation \"legacy\" does not exist in the new shape");
        }
        assertThat(db.value("SELECT count(*) FROM legacy")).isEqualTo("500");
    }
}
