package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * pgroll's constraint operations: named inline constraints, create_table's constraints list,
 * create_constraint of a primary key, an exclusion and a unique with options, and drop_constraint and
 * drop_multicolumn_constraint with up and down. Each runs with both shapes writing, then is checked
 * after complete, and after rollback on a separate run.
 */
class PgrollConstraintsIT extends LifecycleFixture {

    private String constraints(String table) {
        return db.value("SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), E'\\n' ORDER BY conname)"
                + " FROM pg_constraint WHERE conrelid = '" + table + "'::regclass");
    }

    static final String NAMED = """
              - add_column:
                  table: items
                  column:
                    name: sku
                    type: text
                    nullable: true
                    unique: { name: items_sku_unique }
                    check: { name: sku_not_blank, constraint: "sku <> ''" }
                  up: "'sku-' || id"
              - add_column:
                  table: items
                  column:
                    name: parent_id
                    type: int
                    references: { name: items_parent_fk, table: categories, column: id, on_delete: SET NULL }
              - alter_column:
                  table: items
                  column: note
                  unique: { name: items_note_unique }
                  check: { name: note_short, constraint: "length(note) < 100" }
                  up: "note || '-' || id"
                  down: note
            """;

    static final Writes NEW_WRITES = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty, note, sku, parent_id) VALUES (" + (20000 + i) + ", 'new" + i
                + "', 1, 'n" + i + "', 'new-sku" + i + "', 2)");
        retrying(s, "UPDATE items SET qty = qty + 1 WHERE id = " + (200 + i));
    };

    /** What NEW_WRITES leave in the old shape. */
    static final Writes NEW_WRITES_IN_OLD_SHAPE = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty, note) VALUES (" + (20000 + i) + ", 'new" + i + "', 1, 'n" + i
                + "')");
        s.execute("UPDATE items SET qty = qty + 1 WHERE id = " + (200 + i));
    };

    static void retrying(java.sql.Statement s, String sql) throws SQLException {
        for (int attempt = 0; ; attempt++) {
            try {
                s.execute(sql);
                return;
            } catch (SQLException e) {
                if (!"40001".equals(e.getSQLState()) || attempt > 20) {
                    throw e;
                }
            }
        }
    }

    @Test
    void shouldGiveNamedInlineConstraintsTheirNamesThroughComplete() {
        Engine engine = start(TestDb.migration("0001_named", NAMED, null));
        backfillWhileWriting(engine, "0001_named", OLD_WRITES, NEW_WRITES);
        engine.complete(TransitionRequest.active());

        assertThat(constraints("items"))
                .contains("items_sku_unique UNIQUE (sku)")
                .contains("sku_not_blank CHECK ((sku <> ''::text))")
                .contains("items_parent_fk FOREIGN KEY (parent_id) REFERENCES categories(id) ON DELETE SET NULL")
                .contains("items_note_unique UNIQUE (note)")
                .contains("note_short CHECK ((length(note) < 100))");
        assertAllValid("items");
        assertNoTrace("0001_named", "items");
        // every row reached the new columns, whichever shape wrote it
        assertThat(db.value("SELECT count(*) FROM items WHERE sku IS NULL")).isEqualTo("0");
        assertThat(
                        db.value(
                                "SELECT count(*) FROM items WHERE note IS NOT NULL AND id < 10000 AND note NOT LIKE '%-' || id"))
                .isEqualTo("0");
        assertThat(db.value("SELECT count(*) FROM items")).isEqualTo(String.valueOf(ROWS + 2 * WRITES));
        // a later migration drops one by the name the file gave it
        db.engine().start(TestDb.migration("0002_drop", """
                  - drop_constraint: { table: items, name: sku_not_blank }
                """, null));
        db.engine().complete(TransitionRequest.active());
        assertThat(constraints("items")).doesNotContain("sku_not_blank");
    }

    @Test
    void shouldLeaveTheTableAsItWasOnRollbackOfNamedConstraints() {
        String before = db.definition("public.items");
        Engine engine = start(TestDb.migration("0001_named", NAMED, null));
        backfillWhileWriting(engine, "0001_named", OLD_WRITES, NEW_WRITES);
        engine.rollback(TransitionRequest.active());
        assertThat(db.definition("public.items")).isEqualTo(before);
        assertThat(db.rowChecksum("items")).isEqualTo(controlChecksum("items", OLD_WRITES, NEW_WRITES_IN_OLD_SHAPE));
    }

    @Test
    void shouldCreateATableWithEveryKindOfTableConstraint() {
        db.engine().start(TestDb.migration("0001_bookings", """
                  - create_table:
                      name: bookings
                      columns:
                        - { name: id, type: bigint }
                        - { name: room, type: int }
                        - { name: code, type: text, nullable: true }
                        - { name: category_id, type: int }
                        - { name: during, type: tsrange }
                        - { name: price, type: numeric }
                      constraints:
                        - { name: bookings_pk, type: primary_key, columns: [id], index_parameters: { storage_parameters: "fillfactor=70" } }
                        - name: bookings_code_unique
                          type: unique
                          columns: [code]
                          nulls_not_distinct: true
                          deferrable: true
                          initially_deferred: true
                          index_parameters: { include_columns: [room] }
                        - { name: price_positive, type: check, check: "price > 0" }
                        - name: bookings_category_fk
                          type: foreign_key
                          columns: [category_id]
                          references: { table: categories, columns: [id], on_delete: CASCADE, on_update: RESTRICT }
                          deferrable: true
                        - name: no_double_booking
                          type: exclude
                          exclude: { index_method: gist, elements: "during WITH &&", predicate: "room > 0" }
                """, null));
        db.engine().complete(TransitionRequest.active());

        assertThat(constraints("bookings"))
                .isEqualTo(String.join(
                        "\n",
                        "bookings_category_fk FOREIGN KEY (category_id) REFERENCES categories(id) ON UPDATE RESTRICT"
                                + " ON DELETE CASCADE DEFERRABLE",
                        "bookings_code_unique UNIQUE NULLS NOT DISTINCT (code) INCLUDE (room) DEFERRABLE INITIALLY"
                                + " DEFERRED",
                        "bookings_pk PRIMARY KEY (id)",
                        "no_double_booking EXCLUDE USING gist (during WITH &&) WHERE ((room > 0))",
                        "price_positive CHECK ((price > (0)::numeric))"));
        assertThat(db.value("SELECT indexdef FROM pg_indexes WHERE indexname = 'bookings_pk'"))
                .endsWith("(id) WITH (fillfactor='70')");
        db.exec("INSERT INTO bookings VALUES (1, 1, NULL, 1, '[2026-01-01,2026-01-05)', 10)");
        assertThatThrownBy(() -> db.exec("INSERT INTO bookings VALUES (2, 1, 'x', 1, '[2026-01-03,2026-01-04)', 10)"))
                .rootCause()
                .hasMessageContaining("no_double_booking");
    }

    @Test
    void shouldAddAPrimaryKeyAnExclusionAndAUniqueWithOptionsToLiveTables() {
        db.exec("""
                CREATE TABLE events (id int, room int, during tsrange, tag text);
                INSERT INTO events SELECT g, g, tsrange(now()::timestamp + g * interval '1 day', now()::timestamp + g * interval '1 day' + interval '1 hour'), CASE WHEN g > 1 THEN 't' || g END FROM generate_series(1, 500) g;
                """);
        String before = db.definition("public.events");
        String migration = """
                  - create_constraint: { table: events, name: events_pkey, type: primary_key, columns: [id] }
                  - create_constraint:
                      table: events
                      name: events_no_overlap
                      type: exclude
                      exclude: { index_method: gist, elements: "during WITH &&" }
                  - create_constraint:
                      table: events
                      name: events_tag_unique
                      type: unique
                      columns: [tag]
                      nulls_not_distinct: true
                """;
        Engine engine = db.engine();
        engine.start(TestDb.migration("0001_keys", migration, null));
        // the primary key's columns refuse NULL from the start, through a check that complete turns into NOT NULL
        assertThatThrownBy(() -> db.exec("INSERT INTO events (id) VALUES (NULL)"))
                .rootCause()
                .hasMessageContaining("_tandem_nn");
        engine.rollback(TransitionRequest.active());
        assertThat(db.definition("public.events")).isEqualTo(before);

        db.exec("UPDATE events SET tag = 't' || id");
        engine.start(TestDb.migration("0002_keys", migration, null));
        engine.complete(TransitionRequest.active());
        assertThat(constraints("events"))
                .isEqualTo(String.join(
                        "\n",
                        "events_no_overlap EXCLUDE USING gist (during WITH &&)",
                        "events_pkey PRIMARY KEY (id)",
                        "events_tag_unique UNIQUE NULLS NOT DISTINCT (tag)"));
        assertThat(db.value(
                        "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = 'id'"))
                .isEqualTo("t");
        assertAllValid("events");
    }

    @Test
    void shouldRefuseASecondPrimaryKeyAndATakenName() {
        String before = db.definition("public.items");
        assertThatThrownBy(() -> db.engine().start(TestDb.migration("0001_bad", """
                          - create_constraint: { table: items, name: items_pk2, type: primary_key, columns: [name] }
                          - create_constraint: { table: items, name: items_qty_check, type: check, check: "qty < 10" }
                        """, null)))
                .isInstanceOfSatisfying(TandemException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.SCHEMA_MISMATCH);
                    assertThat(e.getMessage())
                            .contains("already has a primary key (id)")
                            .contains("items_qty_check already exists");
                });
        assertThat(db.definition("public.items")).isEqualTo(before);
    }

    static final String DROP_MULTI = """
              - drop_multicolumn_constraint:
                  table: pairs
                  name: pairs_ordered
                  up: { lo: lo, hi: hi }
                  down: { lo: "least(lo, hi)", hi: "greatest(lo, hi)" }
            """;

    private void pairs() {
        db.exec("""
                CREATE TABLE pairs (id int PRIMARY KEY, lo int, hi int, CONSTRAINT pairs_ordered CHECK (lo <= hi));
                INSERT INTO pairs SELECT g, g, g + 1 FROM generate_series(1, 200) g;
                """);
    }

    @Test
    void shouldDropAMultiColumnConstraintFromTheNewShapeOnlyUntilComplete() throws Exception {
        pairs();
        Engine engine = db.engine();
        engine.start(TestDb.migration("0001_unorder", DROP_MULTI, null));
        // the new shape may break the constraint; the old shape sees the row put in order by down
        try (var c = db.newShape("0001_unorder");
                var s = c.createStatement()) {
            s.execute("INSERT INTO pairs (id, lo, hi) VALUES (1000, 9, 3)");
            s.execute("UPDATE pairs SET lo = 50, hi = 5 WHERE id = 1");
        }
        assertThat(db.rows("SELECT lo, hi FROM pairs WHERE id IN (1, 1000) ORDER BY id"))
                .containsExactly(row("5", "50"), row("3", "9"));
        // the old shape still has the constraint
        assertThatThrownBy(() -> db.exec("UPDATE pairs SET lo = 99 WHERE id = 2"))
                .rootCause()
                .hasMessageContaining("pairs_ordered");
        engine.complete(TransitionRequest.active());
        assertThat(constraints("pairs")).isEqualTo("pairs_pkey PRIMARY KEY (id)");
        assertThat(db.rows("SELECT lo, hi FROM pairs WHERE id IN (1, 1000) ORDER BY id"))
                .containsExactly(row("50", "5"), row("9", "3"));
        assertNoTrace("0001_unorder", "pairs");
    }

    @Test
    void shouldKeepTheConstraintOnRollbackOfADrop() throws Exception {
        pairs();
        String before = db.definition("public.pairs");
        Engine engine = db.engine();
        engine.start(TestDb.migration("0001_unorder", DROP_MULTI, null));
        try (var c = db.newShape("0001_unorder");
                var s = c.createStatement()) {
            s.execute("INSERT INTO pairs (id, lo, hi) VALUES (1000, 9, 3)");
        }
        engine.rollback(TransitionRequest.active());
        assertThat(db.definition("public.pairs")).isEqualTo(before);
        assertThat(db.rows("SELECT lo, hi FROM pairs WHERE id = 1000")).containsExactly(row("3", "9"));
    }

    @Test
    void shouldDropASingleColumnConstraintWithUpAndDownAsPgrollWritesIt() throws Exception {
        Engine engine = db.engine();
        engine.start(TestDb.migration("0001_qty", """
                  - drop_constraint: { table: items, name: items_qty_check, up: qty, down: "greatest(qty, 0)" }
                """, null));
        try (var c = db.newShape("0001_qty");
                var s = c.createStatement()) {
            s.execute("UPDATE items SET qty = -5 WHERE id = 7");
        }
        assertThat(db.value("SELECT qty FROM items WHERE id = 7")).isEqualTo("0");
        engine.complete(TransitionRequest.active());
        assertThat(db.value("SELECT qty FROM items WHERE id = 7")).isEqualTo("-5");
        assertThat(constraints("items")).doesNotContain("items_qty_check");
    }

    @Test
    void shouldRefuseASingleColumnDropOfAMultiColumnConstraint() {
        pairs();
        assertThatThrownBy(() -> db.engine().start(TestDb.migration("0001_bad", """
                          - drop_constraint: { table: pairs, name: pairs_ordered, up: lo, down: lo }
                        """, null)))
                .hasMessageContaining("covers 2 columns (lo, hi); drop it with drop_multicolumn_constraint");
    }

    static final String DROP_QTY_CHECK = """
              - drop_constraint: { table: items, name: items_qty_check, up: qty, down: "greatest(qty, 0)" }
            """;

    /** New-shape writes that the dropped check would refuse: negative quantities. */
    static final Writes NEGATIVE_WRITES = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty) VALUES (" + (20000 + i) + ", 'neg" + i + "', -" + (i + 1) + ")");
        retrying(s, "UPDATE items SET qty = -7 WHERE id = " + (300 + i));
    };

    /** What NEGATIVE_WRITES leave in the old shape, which keeps the check: down puts zero. */
    static final Writes NEGATIVE_WRITES_IN_OLD_SHAPE = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty) VALUES (" + (20000 + i) + ", 'neg" + i + "', 0)");
        s.execute("UPDATE items SET qty = 0 WHERE id = " + (300 + i));
    };

    @Test
    void shouldLetTheNewShapeBreakADroppedCheckWhileBothShapesWrite() {
        Engine engine = start(TestDb.migration("0001_qty", DROP_QTY_CHECK, null));
        backfillWhileWriting(engine, "0001_qty", OLD_WRITES, NEGATIVE_WRITES);
        // the old shape kept its check: down put every negative quantity at zero there
        assertThat(db.value("SELECT count(*) FROM items WHERE qty < 0")).isEqualTo("0");
        engine.complete(TransitionRequest.active());
        assertThat(constraints("items")).doesNotContain("items_qty_check");
        assertThat(db.value("SELECT count(*) FROM items WHERE qty < 0")).isEqualTo(String.valueOf(2 * WRITES));
        assertThat(db.value("SELECT count(*) FROM items")).isEqualTo(String.valueOf(ROWS + 2 * WRITES));
        assertAllValid("items");
        assertNoTrace("0001_qty", "items");
    }

    @Test
    void shouldKeepADroppedCheckAndEveryWriteOnRollback() {
        String before = db.definition("public.items");
        Engine engine = start(TestDb.migration("0001_qty", DROP_QTY_CHECK, null));
        backfillWhileWriting(engine, "0001_qty", OLD_WRITES, NEGATIVE_WRITES);
        engine.rollback(TransitionRequest.active());
        assertThat(db.definition("public.items")).isEqualTo(before);
        assertThat(db.rowChecksum("items"))
                .isEqualTo(controlChecksum("items", OLD_WRITES, NEGATIVE_WRITES_IN_OLD_SHAPE));
    }

    @Test
    void shouldAddAPrimaryKeyWhileBothShapesWrite() {
        db.exec("""
                CREATE TABLE ledger (id int NOT NULL, memo text);
                INSERT INTO ledger SELECT g, 'm' || g FROM generate_series(1, 2000) g;
                """);
        Engine engine = start(TestDb.migration("0001_ledger_pk", """
                  - create_constraint: { table: ledger, name: ledger_pkey, type: primary_key, columns: [id], up: {}, down: {} }
                  - add_column: { table: items, column: { name: tag, type: text, nullable: true }, up: "'t' || id" }
                """, null));
        backfillWhileWriting(
                engine,
                "0001_ledger_pk",
                (s, i) -> {
                    OLD_WRITES.write(s, i);
                    s.execute("INSERT INTO ledger VALUES (" + (5000 + i) + ", 'old')");
                },
                (s, i) -> s.execute("INSERT INTO ledger VALUES (" + (9000 + i) + ", 'new')"));
        engine.complete(TransitionRequest.active());
        assertThat(constraints("ledger")).isEqualTo("ledger_pkey PRIMARY KEY (id)");
        assertThat(db.value("SELECT count(*) FROM ledger")).isEqualTo(String.valueOf(2000 + 2 * WRITES));
        assertAllValid("ledger");
    }
}
