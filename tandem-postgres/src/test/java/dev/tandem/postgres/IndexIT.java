package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Migration;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;

class IndexIT extends LifecycleFixture {
    static final String CREATE = "0001_indexes";
    static final String DROP = "0002_drop_index";

    static Migration createIndexes() {
        return TestDb.migration(CREATE, """
                  - create_index: { table: items, name: items_qty_idx, columns: [qty] }
                  - create_index: { table: items, name: items_name_key, columns: [name], unique: true }
                  - create_index: { table: items, name: items_note_idx, columns: [note, qty], method: btree, predicate: "note IS NOT NULL" }
                """, null);
    }

    static Migration dropIndex() {
        return TestDb.migration(DROP, """
                  - drop_index: { name: items_name_idx }
                """, null);
    }

    /** An index changes no shape: the new writer writes what the old one would. */
    static final Writes NEW_WRITES = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty, note) VALUES (" + (20000 + i) + ", 'new" + i + "', 1, 'n')");
        s.execute("UPDATE items SET note = 'u" + i + "' WHERE id = " + (101 + i));
    };

    private void assertBothShapesSeeTheSameRows(String id) throws Exception {
        try (Connection n = db.newShape(id);
                Connection o = db.old()) {
            assertThat(checksum(n, "items")).isEqualTo(checksum(o, "items"));
            assertThat(TestDb.rows(n, "SELECT name, note FROM items WHERE id IN (8, 108, 10007, 20007) ORDER BY id"))
                    .containsExactly(
                            List.of("old-upd7", "note8"),
                            List.of("item108", "u7"),
                            List.of("old7", "o7"),
                            List.of("new7", "n"));
        }
    }

    @Test
    void shouldBuildIndexesConcurrentlyWhileBothShapesWrite() throws Exception {
        String before = db.definition("public.items");
        Engine engine = start(createIndexes());
        backfillWhileWriting(engine, CREATE, OLD_WRITES, NEW_WRITES);

        assertBothShapesSeeTheSameRows(CREATE);

        engine.complete(TransitionRequest.active());

        assertThat(db.definition("public.items").lines().toList())
                .containsExactlyInAnyOrderElementsOf(java.util.stream.Stream.concat(
                                before.lines(),
                                java.util.stream.Stream.of(
                                        "index CREATE INDEX items_qty_idx ON public.items USING btree (qty)",
                                        "index CREATE UNIQUE INDEX items_name_key ON public.items USING btree (name)",
                                        "index CREATE INDEX items_note_idx ON public.items USING btree (note, qty) WHERE (note IS NOT NULL)"))
                        .toList());
        assertAllValid("public.items");
        assertNoTrace(CREATE, "public.items");
        assertThat(failingState("INSERT INTO items (id, name) VALUES (30000, 'new7')"))
                .isEqualTo("23505");
    }

    @Test
    void shouldRollBackCreatedIndexesLeavingTheTableAsBeforeWithEveryWrite() throws Exception {
        String before = db.definition("public.items");
        Engine engine = start(createIndexes());
        backfillWhileWriting(engine, CREATE, OLD_WRITES, NEW_WRITES);

        engine.rollback(TransitionRequest.active());

        assertThat(db.definition("public.items")).isEqualTo(before);
        assertThat(
                        db.value(
                                "SELECT count(*) FROM pg_class WHERE relname IN ('items_qty_idx', 'items_name_key', 'items_note_idx')"))
                .isEqualTo("0");
        assertNoTrace(CREATE, "public.items");
        assertThat(db.rowChecksum("public.items")).isEqualTo(controlChecksum("items", OLD_WRITES, NEW_WRITES));
    }

    @Test
    void shouldKeepAnIndexUntilCompleteAndThenDropIt() throws Exception {
        String before = db.definition("public.items");
        Engine engine = start(dropIndex());
        backfillWhileWriting(engine, DROP, OLD_WRITES, NEW_WRITES);

        assertBothShapesSeeTheSameRows(DROP);
        assertThat(db.definition("public.items")).isEqualTo(before);

        engine.complete(TransitionRequest.active());

        assertThat(db.definition("public.items"))
                .isEqualTo(before.lines()
                        .filter(l -> !l.contains("items_name_idx"))
                        .collect(java.util.stream.Collectors.joining("\n")));
        assertNoTrace(DROP, "public.items");
    }

    @Test
    void shouldRollBackAnIndexDropLeavingTheTableAsBeforeWithEveryWrite() throws Exception {
        String before = db.definition("public.items");
        Engine engine = start(dropIndex());
        backfillWhileWriting(engine, DROP, OLD_WRITES, NEW_WRITES);

        engine.rollback(TransitionRequest.active());

        assertThat(db.definition("public.items")).isEqualTo(before);
        assertNoTrace(DROP, "public.items");
        assertThat(db.rowChecksum("public.items")).isEqualTo(controlChecksum("items", OLD_WRITES, NEW_WRITES));
    }
}
