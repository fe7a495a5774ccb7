package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Migration;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;

class CreateTableIT extends LifecycleFixture {
    static final String ID = "0001_reviews";

    static Migration migration() {
        return TestDb.migration(ID, """
                  - create_table:
                      name: reviews
                      columns:
                        - { name: id, type: int, primary_key: true }
                        - { name: item_id, type: int, nullable: false, references: { table: items, column: id } }
                        - { name: body, type: text, nullable: false, default: "''", check: "length(body) < 100" }
                        - { name: code, type: text, unique: true }
                """, null);
    }

    /** The new writer writes the new table, and updates items (the same in both shapes). */
    static final Writes NEW_WRITES = (s, i) -> {
        s.execute("INSERT INTO reviews (id, item_id, body, code) VALUES (" + i + ", " + (1 + i) + ", 'good', 'r" + i
                + "')");
        s.execute("UPDATE items SET note = 'reviewed' WHERE id = " + (101 + i));
    };

    static final Writes ITEM_WRITES = (s, i) -> s.execute("UPDATE items SET note = 'reviewed' WHERE id = " + (101 + i));

    @Test
    void shouldServeANewTableInTheNewShapeWhileBothShapesWrite() throws Exception {
        Engine engine = start(migration());
        backfillWhileWriting(engine, ID, OLD_WRITES, NEW_WRITES);

        assertThat(newShapeRows(ID, "SELECT name FROM items WHERE id = 10007")).containsExactly(List.of("old7"));
        assertThat(newShapeRows(ID, "SELECT item_id, body, code FROM reviews WHERE id = 7"))
                .containsExactly(List.of("8", "good", "r7"));
        assertThat(db.rows("SELECT note FROM items WHERE id = 108")).containsExactly(List.of("reviewed"));
        try (Connection n = db.newShape(ID);
                Connection o = db.old()) {
            assertThat(checksum(n, "items")).isEqualTo(checksum(o, "items"));
        }

        engine.complete(TransitionRequest.active());

        // The foreign key's internal triggers are named by oid; everything else is as declared.
        assertThat(db.definition("public.reviews")
                        .lines()
                        .filter(l -> !l.startsWith("trigger RI_ConstraintTrigger_"))
                        .toList())
                .containsExactlyInAnyOrder(
                        "column 1 id integer true ",
                        "column 2 item_id integer true ",
                        "column 3 body text true ''::text",
                        "column 4 code text false ",
                        "constraint reviews_pkey PRIMARY KEY (id)",
                        "constraint reviews_item_id_fkey FOREIGN KEY (item_id) REFERENCES items(id)",
                        "constraint reviews_body_check CHECK ((length(body) < 100))",
                        "constraint reviews_code_key UNIQUE (code)",
                        "index CREATE UNIQUE INDEX reviews_pkey ON public.reviews USING btree (id)",
                        "index CREATE UNIQUE INDEX reviews_code_key ON public.reviews USING btree (code)");
        assertAllValid("public.reviews");
        assertNoTrace(ID, "public.items");
        assertThat(db.value("SELECT count(*) FROM reviews")).isEqualTo(String.valueOf(WRITES));
        db.exec("INSERT INTO reviews (id, item_id) VALUES (1000, 1)");
        assertThat(db.value("SELECT body FROM reviews WHERE id = 1000")).isEmpty();
        assertThat(failingState("INSERT INTO reviews (id, item_id) VALUES (1001, 999999)"))
                .isEqualTo("23503");
    }

    @Test
    void shouldRollBackANewTableLeavingTheOtherTablesAsBeforeWithEveryWrite() throws Exception {
        String before = db.definition("public.items");
        Engine engine = start(migration());
        backfillWhileWriting(engine, ID, OLD_WRITES, NEW_WRITES);

        engine.rollback(TransitionRequest.active());

        assertThat(db.value("SELECT to_regclass('public.reviews')")).isNull();
        assertThat(db.definition("public.items")).isEqualTo(before);
        assertNoTrace(ID, "public.items");
        assertThat(db.rowChecksum("public.items")).isEqualTo(controlChecksum("items", OLD_WRITES, ITEM_WRITES));
    }
}
