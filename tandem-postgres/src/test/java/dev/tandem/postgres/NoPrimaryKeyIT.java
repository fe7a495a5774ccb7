package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tables without a primary key. A unique index stands in for one only when it is a key at every
 * instant and over every row: over NOT NULL columns, whole-table, over plain columns, valid, and not
 * deferrable. A table with no such key takes every operation that needs no row-finding write through
 * the new shape, and refuses, naming the table and what to add, those that would.
 */
@ExtendWith(PostgresExtension.class)
class NoPrimaryKeyIT {
    EmbeddedPostgres.Database database;
    TestDb db;

    /** A keyless table, and one whose unique indexes are each no key, for a reason of its own. */
    static final String TABLES = """
            CREATE TABLE notes (id int, body text NOT NULL, tag text, CONSTRAINT notes_body_check CHECK (body <> ''));
            CREATE INDEX notes_tag_idx ON notes (tag);
            INSERT INTO notes SELECT g, 'body' || g, 't' || (g % 3) FROM generate_series(1, 500) g;
            CREATE TABLE archive (a int NOT NULL, b int, c text NOT NULL, d int NOT NULL, e int NOT NULL, note text);
            CREATE UNIQUE INDEX archive_a_partial ON archive (a) WHERE a > 0;
            CREATE UNIQUE INDEX archive_c_lower ON archive (lower(c));
            ALTER TABLE archive ADD CONSTRAINT archive_d_key UNIQUE (d) DEFERRABLE INITIALLY IMMEDIATE;
            CREATE UNIQUE INDEX archive_b_key ON archive (b);
            INSERT INTO archive SELECT g, g, 'c' || g, g, g % 10, 'n' FROM generate_series(1, 500) g;
            """;

    @BeforeEach
    void setUp() {
        db = new TestDb(database);
        db.exec(TABLES);
    }

    private List<String> rowKeys(String table) throws Exception {
        try (Connection c = db.old()) {
            return Catalog.load(c, "public").table(table).orElseThrow().rowKeys().stream()
                    .map(Catalog.UniqueKey::name)
                    .toList();
        }
    }

    @Test
    void shouldNotTakeAPartialAnExpressionADeferrableANullableOrAnInvalidUniqueIndexForAKey() throws Exception {
        // e holds duplicates: the concurrent build fails and leaves an invalid index behind.
        assertThatThrownBy(() -> db.exec("CREATE UNIQUE INDEX CONCURRENTLY archive_e_key ON archive (e)"))
                .rootCause()
                .hasMessageContaining("could not create unique index");
        assertThat(db.value("SELECT indisvalid FROM pg_index WHERE indexrelid = 'archive_e_key'::regclass"))
                .isEqualTo("f");

        assertThat(rowKeys("archive")).isEmpty();
        assertThat(db.engine()
                        .plan(addColumn("archive", "label", "'x'", null))
                        .steps(Stage.BACKFILL)
                        .getFirst()
                        .description())
                .contains("in ctid block ranges");
        assertRefused(addColumn("archive", "label", null, "upper(c)"), "archive", "has no primary key");
    }

    @Test
    void shouldTakeTheNarrowestUniqueKeyOverNotNullColumns() throws Exception {
        db.exec("""
                ALTER TABLE archive ADD CONSTRAINT archive_c_a_key UNIQUE (c, a);
                CREATE UNIQUE INDEX archive_c_key ON archive (c);
                CREATE UNIQUE INDEX archive_a_key ON archive (a) INCLUDE (note);
                """);

        assertThat(rowKeys("archive")).containsExactly("archive_a_key", "archive_c_key", "archive_c_a_key");
        assertThat(db.engine()
                        .plan(addColumn("archive", "label", null, "upper(c)"))
                        .steps(Stage.BACKFILL)
                        .getFirst()
                        .description())
                .contains("in ranges of its unique key a,");
    }

    @Test
    void shouldRefuseAtPlanAndStartASyncedChangeOfAKeylessTableNamingTheTableAndWhatToAdd() {
        for (Migration m : List.of(
                addColumn("notes", "title", null, "upper(body)"),
                TestDb.migration("0001_widen", """
                          - alter_column: { table: notes, column: id, type: bigint, up: "id::bigint", down: "id::int" }
                        """, null),
                TestDb.migration("0001_gone", """
                          - drop_column: { table: notes, column: tag, down: "'t'" }
                        """, "  - { field: notes.tag, sunset: 2020-01-01 }\n"))) {
            assertRefused(m, "notes", "has no primary key and no unique index over NOT NULL columns");
        }
    }

    @Test
    void shouldRefuseASyncedChangeThatDropsAColumnOfTheOnlyUniqueKey() {
        db.exec("CREATE UNIQUE INDEX archive_c_key ON archive (c)");

        assertRefused(
                TestDb.migration("0001_drop_c", """
                          - add_column: { table: archive, column: { name: label, type: text }, up: "upper(note)" }
                          - drop_column: { table: archive, column: c, down: "'c'" }
                        """, "  - { field: archive.c, sunset: 2020-01-01 }\n"),
                "archive",
                "has no primary key, and this migration drops a column of each of its unique keys");
    }

    private void assertRefused(Migration m, String table, String why) {
        String before = CatalogSnapshot.of(db, "public.notes", "public.archive");
        for (Runnable attempt :
                List.<Runnable>of(() -> db.engine().plan(m), () -> db.engine().start(m))) {
            assertThatThrownBy(attempt::run).isInstanceOfSatisfying(TandemException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.SCHEMA_MISMATCH);
                assertThat(e.getMessage())
                        .contains("table public." + table + " " + why)
                        .contains("Add a primary key first (or a unique index over NOT NULL columns")
                        .contains("nothing was changed");
            });
        }
        assertThat(CatalogSnapshot.of(db, "public.notes", "public.archive")).isEqualTo(before);
    }

    static Migration addColumn(String table, String column, String defaultValue, String up) {
        return TestDb.migration(
                "0001_add_" + column,
                """
                  - add_column:
                      table: %s
                      column: { name: %s, type: text%s }%s
                """.formatted(
                                table,
                                column,
                                defaultValue == null ? "" : ", default: \"" + defaultValue + "\"",
                                up == null ? "" : "\n      up: \"" + up + "\""),
                null);
    }

    /** An operation that needs no backfill and no sync, on the keyless table notes. */
    record Case(String name, String operations, String deprecations, String newShapeTable) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> withoutBackfill() {
        String sunset = "  - { field: %s, sunset: 2020-01-01 }\n";
        return Stream.of(
                new Case(
                        "rename_column",
                        "  - rename_column: { table: notes, from: tag, to: label }\n",
                        sunset.formatted("notes.tag"),
                        "notes"),
                new Case(
                        "alter_column renaming",
                        "  - alter_column: { table: notes, column: tag, name: label }\n",
                        sunset.formatted("notes.tag"),
                        "notes"),
                new Case(
                        "create_index",
                        "  - create_index: { table: notes, name: notes_body_idx, columns: [body] }\n",
                        null,
                        "notes"),
                new Case("create_index unique", """
                          - create_index: { table: notes, name: notes_id_key, columns: [id], unique: true }
                        """, null, "notes"),
                new Case("drop_index", "  - drop_index: { name: notes_tag_idx }\n", null, "notes"),
                new Case(
                        "add_column without up or default",
                        "  - add_column: { table: notes, column: { name: extra, type: int } }\n",
                        null,
                        "notes"),
                new Case(
                        "drop_column without down",
                        "  - drop_column: { table: notes, column: tag }\n",
                        sunset.formatted("notes.tag"),
                        "notes"),
                new Case("create_constraint", """
                          - create_constraint: { table: notes, name: notes_id_positive, type: check, check: "id > 0", columns: [id] }
                        """, null, "notes"),
                new Case(
                        "drop_constraint",
                        "  - drop_constraint: { table: notes, name: notes_body_check }\n",
                        null,
                        "notes"),
                new Case(
                        "rename_table",
                        "  - rename_table: { from: notes, to: memos }\n",
                        sunset.formatted("notes"),
                        "memos"),
                new Case("rename_constraint", """
                          - rename_constraint: { table: notes, from: notes_body_check, to: notes_body_present }
                        """, null, "notes"),
                new Case("add_column unique, with a check", """
                          - add_column: { table: notes, column: { name: code, type: text, unique: true, check: "code <> ''" } }
                        """, null, "notes"),
                new Case("drop_table", "  - drop_table: { name: notes }\n", sunset.formatted("notes"), null));
    }

    @ParameterizedTest(name = "{0}, then complete")
    @MethodSource("withoutBackfill")
    void shouldServeAndCompleteAnOperationThatNeedsNoBackfillOnAKeylessTable(Case c) throws Exception {
        Engine engine = db.engine();
        Migration m = TestDb.migration("0001_keyless", c.operations(), c.deprecations());
        assertThat(engine.plan(m).steps(Stage.BACKFILL)).isEmpty();

        assertThat(engine.start(m).phase()).isEqualTo(Phase.BACKFILLED);
        writeBothShapes(c);
        assertThat(engine.complete(TransitionRequest.active()).phase()).isEqualTo(Phase.COMPLETE);

        if (c.newShapeTable() != null) {
            assertThat(db.value("SELECT count(*) FROM " + c.newShapeTable())).isEqualTo("501");
            assertThat(db.value("SELECT count(*) FROM " + c.newShapeTable() + " WHERE body = 'changed'"))
                    .isEqualTo("2");
        }
    }

    @ParameterizedTest(name = "{0}, then rollback")
    @MethodSource("withoutBackfill")
    void shouldRollBackAnOperationThatNeedsNoBackfillOnAKeylessTableKeepingEveryWrite(Case c) throws Exception {
        String before = db.definition("public.notes");
        Engine engine = db.engine();

        assertThat(engine.start(TestDb.migration("0001_keyless", c.operations(), c.deprecations()))
                        .phase())
                .isEqualTo(Phase.BACKFILLED);
        writeBothShapes(c);
        assertThat(engine.rollback(TransitionRequest.active()).phase()).isEqualTo(Phase.ROLLED_BACK);

        assertThat(db.definition("public.notes")).isEqualTo(before);
        assertThat(db.value("SELECT count(*) FROM notes")).isEqualTo(c.newShapeTable() == null ? "500" : "501");
    }

    /**
     * Through the new shape's plain view (no sync, so PostgreSQL finds each row itself): an insert, an
     * update and a delete; and an update through the old shape.
     */
    private void writeBothShapes(Case c) throws Exception {
        db.exec("UPDATE notes SET body = 'changed' WHERE id = 1");
        if (c.newShapeTable() == null) {
            return;
        }
        try (Connection n = db.newShape("0001_keyless");
                Statement s = n.createStatement()) {
            s.execute("INSERT INTO " + c.newShapeTable() + " (id, body) VALUES (1001, 'new')");
            s.execute("UPDATE " + c.newShapeTable() + " SET body = 'changed' WHERE id = 2");
            s.execute("DELETE FROM " + c.newShapeTable() + " WHERE id = 3");
            s.execute("INSERT INTO " + c.newShapeTable() + " (id, body) VALUES (1002, 'new')");
        }
    }
}
