package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.MigrationFiles;
import dev.tandem.core.TandemException;
import org.junit.jupiter.api.Test;

/**
 * The rest of pgroll's options: set_replica_identity, comment in alter_column, index options, up and
 * down written as SELECT and reading another table, sql on_complete and irreversible, and the version
 * schema's name. Each is checked after complete, and after rollback on a separate run.
 */
class PgrollOptionsIT extends LifecycleFixture {

    private String replicaIdentity(String table) {
        return db.value("SELECT relreplident::text || coalesce(' ' || (SELECT i.relname FROM pg_index x JOIN pg_class i"
                + " ON i.oid = x.indexrelid WHERE x.indrelid = t.oid AND x.indisreplident), '') FROM pg_class t"
                + " WHERE oid = '" + table + "'::regclass");
    }

    private String columnComment(String column) {
        return db.value("SELECT col_description('items'::regclass, attnum) FROM pg_attribute"
                + " WHERE attrelid = 'items'::regclass AND attname = '" + column + "'");
    }

    @Test
    void shouldSetTheReplicaIdentityAndPutItBackOnRollback() {
        db.exec("CREATE UNIQUE INDEX items_name_key ON items (name)");
        Engine engine = db.engine();
        engine.start(TestDb.migration("0001_full", """
                  - set_replica_identity: { table: items, identity: { type: full, index: "" } }
                """, null));
        assertThat(replicaIdentity("items")).isEqualTo("f");
        engine.rollback(TransitionRequest.active());
        assertThat(replicaIdentity("items")).isEqualTo("d");

        engine.start(TestDb.migration("0002_index", """
                  - set_replica_identity: { table: items, identity: { type: index, index: items_name_key } }
                """, null));
        engine.complete(TransitionRequest.active());
        assertThat(replicaIdentity("items")).isEqualTo("i items_name_key");

        engine.start(TestDb.migration("0003_nothing", """
                  - set_replica_identity: { table: items, identity: { type: nothing } }
                """, null));
        assertThat(replicaIdentity("items")).isEqualTo("n");
        engine.rollback(TransitionRequest.active());
        assertThat(replicaIdentity("items")).isEqualTo("i items_name_key");
    }

    @Test
    void shouldRefuseAReplicaIdentityIndexThatDoesNotExist() {
        assertThatThrownBy(() -> db.engine().start(TestDb.migration("0001_bad", """
                          - set_replica_identity: { table: items, identity: { type: index, index: nope } }
                        """, null)))
                .hasMessageContaining("index nope is not a unique index of public.items");
    }

    @Test
    void shouldCommentAColumnAndRemoveTheCommentWithNull() {
        db.exec("COMMENT ON COLUMN items.note IS 'free text'");
        Engine engine = start(TestDb.migration("0001_comments", """
                  - alter_column: { table: items, column: name, comment: "what the item is called" }
                  - alter_column: { table: items, column: note, comment: null }
                  - alter_column: { table: items, column: qty, type: bigint, up: qty, down: qty::int, comment: "how many" }
                """, null));
        backfillWhileWriting(
                engine,
                "0001_comments",
                OLD_WRITES,
                (s, i) -> PgrollConstraintsIT.retrying(s, "UPDATE items SET qty = qty + 1 WHERE id = " + (200 + i)));
        engine.complete(TransitionRequest.active());
        assertThat(columnComment("name")).isEqualTo("what the item is called");
        assertThat(columnComment("note")).isNull();
        assertThat(columnComment("qty")).isEqualTo("how many");
        assertThat(db.value("SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                        + " WHERE attrelid = 'items'::regclass AND attname = 'qty'"))
                .isEqualTo("bigint");
    }

    @Test
    void shouldPutCommentsBackOnRollback() {
        db.exec("COMMENT ON COLUMN items.note IS 'free text'");
        Engine engine = db.engine();
        engine.start(TestDb.migration("0001_comments", """
                  - alter_column: { table: items, column: name, comment: "what the item is called" }
                  - alter_column: { table: items, column: note, comment: null }
                """, null));
        assertThat(columnComment("note")).isNull();
        engine.rollback(TransitionRequest.active());
        assertThat(columnComment("name")).isNull();
        assertThat(columnComment("note")).isEqualTo("free text");
    }

    @Test
    void shouldBuildIndexesWithEveryColumnOption() {
        db.exec("CREATE EXTENSION IF NOT EXISTS pg_trgm");
        Engine engine = start(TestDb.migration("0001_indexes", """
                  - create_index:
                      table: items
                      name: items_name_qty_idx
                      columns:
                        - { column: name, sort: DESC, nulls: LAST, collate: C }
                        - { column: qty, nulls: FIRST }
                      storage_parameters: fillfactor=80
                  - create_index:
                      table: items
                      name: items_note_trgm
                      method: gin
                      columns: { note: { opclass: gin_trgm_ops } }
                  - create_index:
                      table: items
                      name: items_note_gist
                      method: gist
                      columns:
                        - column: note
                          opclass: { name: gist_trgm_ops, params: ["siglen=32"] }
                  - create_index: { table: items, name: items_id_hash, method: hash, columns: [id] }
                  - create_index: { table: items, name: items_id_brin, method: brin, columns: [id] }
                  - create_index: { table: items, name: items_note_spgist, method: spgist, columns: [note] }
                """, null));
        backfillWhileWriting(engine, "0001_indexes", OLD_WRITES, (s, i) -> {});
        engine.complete(TransitionRequest.active());
        assertThat(db.rows("SELECT indexdef FROM pg_indexes WHERE tablename = 'items' AND indexname IN"
                        + " ('items_name_qty_idx', 'items_note_trgm', 'items_note_gist', 'items_id_hash',"
                        + " 'items_id_brin', 'items_note_spgist') ORDER BY indexname"))
                .containsExactly(
                        row("CREATE INDEX items_id_brin ON public.items USING brin (id)"),
                        row("CREATE INDEX items_id_hash ON public.items USING hash (id)"),
                        row("CREATE INDEX items_name_qty_idx ON public.items USING btree (name COLLATE \"C\" DESC"
                                + " NULLS LAST, qty NULLS FIRST) WITH (fillfactor='80')"),
                        row(
                                "CREATE INDEX items_note_gist ON public.items USING gist (note gist_trgm_ops (siglen='32'))"),
                        row("CREATE INDEX items_note_spgist ON public.items USING spgist (note)"),
                        row("CREATE INDEX items_note_trgm ON public.items USING gin (note gin_trgm_ops)"));
        assertAllValid("items");
    }

    @Test
    void shouldDropIndexesWithOptionsOnRollback() {
        String before = db.definition("public.items");
        Engine engine = start(TestDb.migration("0001_indexes", """
                  - create_index:
                      table: items
                      name: items_name_qty_idx
                      columns: { name: { sort: desc }, qty: {} }
                      storage_parameters: fillfactor=80
                """, null));
        backfillWhileWriting(engine, "0001_indexes", OLD_WRITES, (s, i) -> {});
        engine.rollback(TransitionRequest.active());
        assertThat(db.definition("public.items")).isEqualTo(before);
    }

    static final String SELECTS = """
                  - add_column:
                      table: items
                      column: { name: label, type: text, nullable: true }
                      up: "SELECT upper(name)"
                  - add_column:
                      table: items
                      column: { name: has_category, type: boolean, nullable: true }
                      up: "EXISTS (SELECT 1 FROM categories WHERE categories.id = category_id)"
                  - add_column:
                      table: items
                      column: { name: category_label, type: text, nullable: true }
                      up: "SELECT categories.label FROM categories WHERE categories.id = category_id"
                """;

    static final Writes NEW_INSERTS = (s, i) ->
            s.execute("INSERT INTO items (id, name, category_id) VALUES (" + (30000 + i) + ", 'n" + i + "', 2)");

    @Test
    void shouldLeaveTheTableAsItWasOnRollbackOfExpressionsOverAnotherTable() {
        String before = db.definition("public.items");
        Engine engine = start(TestDb.migration("0001_select", SELECTS, null));
        backfillWhileWriting(engine, "0001_select", OLD_WRITES, NEW_INSERTS);
        engine.rollback(TransitionRequest.active());
        assertThat(db.definition("public.items")).isEqualTo(before);
        assertThat(db.rowChecksum("items")).isEqualTo(controlChecksum("items", OLD_WRITES, NEW_INSERTS));
    }

    @Test
    void shouldReadSelectExpressionsAndExpressionsOverAnotherTable() throws Exception {
        db.exec("INSERT INTO items (id, name, category_id) VALUES (5000, 'orphan', NULL)");
        Engine engine = start(TestDb.migration("0001_select", SELECTS, null));
        backfillWhileWriting(
                engine,
                "0001_select",
                OLD_WRITES,
                (s, i) -> s.execute(
                        "INSERT INTO items (id, name, category_id) VALUES (" + (30000 + i) + ", 'n" + i + "', 2)"));
        engine.complete(TransitionRequest.active());
        assertThat(db.rows("SELECT label, has_category, category_label FROM items WHERE id IN (500, 5000, 10001, 30001)"
                        + " ORDER BY id"))
                .containsExactly(
                        row("ITEM500", "t", "cat1"),
                        row("ORPHAN", "f", null),
                        row("OLD1", "t", "cat1"),
                        row(null, null, null));
        assertThat(db.value("SELECT count(*) FROM items WHERE id < 30000 AND (label IS DISTINCT FROM upper(name)"
                        + " OR has_category IS DISTINCT FROM (category_id IS NOT NULL))"))
                .isEqualTo("0");
    }

    @Test
    void shouldRunOnCompleteSqlAtCompleteAndNotAtAll() {
        String migration = """
                  - sql: { up: "CREATE TABLE audit_done (at timestamptz)", on_complete: true }
                  - sql: { up: "CREATE TABLE audit_started (at timestamptz)", down: "DROP TABLE audit_started" }
                """;
        Engine engine = db.engine();
        engine.start(TestDb.migration("0001_sql", migration, null));
        assertThat(db.value("SELECT count(*) FROM pg_class WHERE relname IN ('audit_done', 'audit_started')"))
                .isEqualTo("1");
        engine.rollback(TransitionRequest.active());
        assertThat(db.value("SELECT count(*) FROM pg_class WHERE relname IN ('audit_done', 'audit_started')"))
                .isEqualTo("0");
        engine.start(TestDb.migration("0002_sql", migration, null));
        engine.complete(TransitionRequest.active());
        assertThat(db.value("SELECT count(*) FROM pg_class WHERE relname IN ('audit_done', 'audit_started')"))
                .isEqualTo("2");
    }

    @Test
    void shouldRefuseRollbackOfAnIrreversibleMigrationAndLetItComplete() {
        Engine engine = db.engine();
        engine.start(TestDb.migration("0001_irreversible", """
                  - sql: { up: "UPDATE items SET note = NULL WHERE id = 1", irreversible: true }
                """, null));
        assertThat(engine.status("0001_irreversible").orElseThrow().rollbackRefusal())
                .contains("0001_irreversible.yaml:6:5")
                .contains("irreversible");
        assertThatThrownBy(() -> engine.rollback(TransitionRequest.active()))
                .isInstanceOfSatisfying(TandemException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.GATE_REFUSED);
                    assertThat(e.getMessage()).contains("rollback of 0001_irreversible is not possible");
                });
        assertThat(engine.complete(TransitionRequest.active()).phase()).isEqualTo(dev.tandem.core.Phase.COMPLETE);
    }

    @Test
    void shouldServeTheNewShapeInTheSchemaTheFileNames() throws Exception {
        Engine engine = db.engine();
        engine.start(MigrationFiles.parse("0001_named_schema.yaml", """
                service: test
                owner: team
                rationale: test
                version_schema: items_v2
                deprecations: [{ field: items.note, sunset: 2020-01-01 }]
                operations:
                  - rename_column: { table: items, from: note, to: remark }
                """));
        assertThat(engine.status("0001_named_schema").orElseThrow().versionSchema())
                .isEqualTo("items_v2");
        try (var c = db.old();
                var s = c.createStatement()) {
            s.execute("SET search_path = items_v2, public");
            var rs = s.executeQuery("SELECT remark FROM items WHERE id = 1");
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("note1");
        }
        engine.complete(TransitionRequest.active());
        assertThat(db.value("SELECT count(*) FROM pg_namespace WHERE nspname = 'items_v2'"))
                .isEqualTo("0");
    }
}
