package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Migration;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;

class RawSqlIT extends LifecycleFixture {
    static final String ID = "0001_audit";

    static Migration migration() {
        return TestDb.migration(ID, """
                  - sql:
                      up: "CREATE TABLE audit (id int PRIMARY KEY, item_id int NOT NULL REFERENCES items (id), at timestamptz NOT NULL DEFAULT now()); CREATE INDEX audit_item_idx ON audit (item_id)"
                      down: "DROP TABLE audit"
                """, null);
    }

    static final Writes NEW_WRITES = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty) VALUES (" + (20000 + i) + ", 'new" + i + "', 1)");
        s.execute("INSERT INTO audit (id, item_id) VALUES (" + i + ", " + (20000 + i) + ")");
    };

    static final Writes NEW_WRITES_IN_OLD_SHAPE =
            (s, i) -> s.execute("INSERT INTO items (id, name, qty) VALUES (" + (20000 + i) + ", 'new" + i + "', 1)");

    @Test
    void shouldRunRawSqlUpAtStartAndKeepItAtComplete() throws Exception {
        Engine engine = start(migration());
        backfillWhileWriting(engine, ID, OLD_WRITES, NEW_WRITES);

        try (Connection n = db.newShape(ID);
                Connection o = db.old()) {
            assertThat(checksum(n, "items")).isEqualTo(checksum(o, "items"));
            assertThat(checksum(n, "audit")).isEqualTo(checksum(o, "audit"));
        }
        assertThat(newShapeRows(ID, "SELECT name FROM items WHERE id = 10007")).containsExactly(List.of("old7"));
        assertThat(db.rows("SELECT i.name FROM audit a JOIN items i ON i.id = a.item_id WHERE a.id = 7"))
                .containsExactly(List.of("new7"));

        engine.complete(TransitionRequest.active());

        assertThat(db.definition("public.audit"))
                .contains("column 3 at timestamp with time zone true now()")
                .contains("constraint audit_pkey PRIMARY KEY (id)")
                .contains("constraint audit_item_id_fkey FOREIGN KEY (item_id) REFERENCES items(id)")
                .contains("index CREATE INDEX audit_item_idx ON public.audit USING btree (item_id)");
        assertNoTrace(ID, "public.items");
        assertThat(db.value("SELECT count(*) FROM audit")).isEqualTo(String.valueOf(WRITES));
    }

    @Test
    void shouldRunRawSqlDownAtRollbackLeavingTheTableAsBeforeWithEveryWrite() throws Exception {
        String before = db.definition("public.items");
        Engine engine = start(migration());
        backfillWhileWriting(engine, ID, OLD_WRITES, NEW_WRITES);

        engine.rollback(TransitionRequest.active());

        assertThat(db.value("SELECT to_regclass('public.audit')")).isNull();
        assertThat(db.definition("public.items")).isEqualTo(before);
        assertNoTrace(ID, "public.items");
        assertThat(db.rowChecksum("public.items"))
                .isEqualTo(controlChecksum("items", OLD_WRITES, NEW_WRITES_IN_OLD_SHAPE));
    }
}
