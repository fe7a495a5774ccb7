package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Unusual but legal input, and failures half-way, leave the database correct. */
@ExtendWith(PostgresExtension.class)
class EngineHardeningIT {
    EmbeddedPostgres.Database database;
    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(database);
        db.exec("""
                CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, code text);
                INSERT INTO items SELECT g, 'n' || g, 'c' || g FROM generate_series(1, 2000) g;
                """);
    }

    @Test
    void shouldBackfillEveryRowWhenTheKeyHasItsOwnCollation() {
        db.exec("""
                CREATE TABLE codes (code text COLLATE "C" PRIMARY KEY, v int NOT NULL);
                INSERT INTO codes VALUES ('a', 1), ('B', 2), ('c', 3), ('D', 4), ('_x', 5), ('Z9', 6);
                """);
        db.exec("""
                CREATE TABLE codes_icu (code text COLLATE "und-x-icu" PRIMARY KEY, v int NOT NULL);
                INSERT INTO codes_icu SELECT code, v FROM codes;
                """);
        for (String table : List.of("codes", "codes_icu")) {
            db.engine().start(TestDb.migration("0001_" + table, """
                      - add_column: { table: %s, column: { name: v2, type: int }, up: v * 2 }
                    """.formatted(table), null));
            assertThat(db.value("SELECT count(*) FROM " + table + " WHERE v2 IS DISTINCT FROM v * 2"))
                    .isEqualTo("0");
            db.engine().complete(TransitionRequest.active());
        }
    }

    @Test
    void shouldRefuseAnExpressionThatHidesAnotherStatementAndChangeNothing() {
        String before = snapshot();
        var m = TestDb.migration("0001_sneaky", """
                  - add_column:
                      table: items
                      column: { name: x, type: int }
                      up: "1)::int; COMMIT; CREATE TABLE pwned (); SELECT (1"
                """, null);
        assertThatThrownBy(() -> db.engine().plan(m)).isInstanceOfSatisfying(TandemException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.SCHEMA_MISMATCH);
            assertThat(e.getMessage()).contains("holds a ';'");
        });
        assertThatThrownBy(() -> db.engine().start(m)).isInstanceOf(TandemException.class);
        assertThat(snapshot()).isEqualTo(before);
        assertThat(db.value("SELECT to_regclass('public.pwned')")).isNull();
    }

    @Test
    void shouldKeepColumnReferencesAfterDollarQuotedAndEscapedStrings() throws Exception {
        db.engine().start(TestDb.migration("0001_quotes", """
                  - add_column:
                      table: items
                      column: { name: a, type: text }
                      up: |-
                        $$'$$ || name
                  - add_column:
                      table: items
                      column: { name: b, type: text }
                      up: |-
                        E'\\'' || name /* it's name */
                """, null));
        db.exec("INSERT INTO items (id, name) VALUES (5000, 'fresh')");
        assertThat(db.rows("SELECT a, b FROM items WHERE id IN (7, 5000) ORDER BY id"))
                .containsExactly(List.of("'n7", "'n7"), List.of("'fresh", "'fresh"));
    }

    @Test
    void shouldRefuseALineCommentInAnExpression() {
        var m = TestDb.migration("0001_comment", """
                  - add_column: { table: items, column: { name: a, type: text }, up: "name -- why" }
                """, null);
        assertThatThrownBy(() -> db.engine().start(m)).hasMessageContaining("holds a -- comment");
    }

    @Test
    void shouldRefuseQualifiedColumnsButNotSubqueriesInUpAndDown() {
        // A subquery reads other tables by their qualified names, as pgroll allows (lint warns that it is
        // evaluated when the row is written); a qualified column of the row itself cannot be compiled.
        var m = TestDb.migration("0001_qualified", """
                  - add_column: { table: items, column: { name: a, type: text }, up: items.name }
                  - add_column: { table: items, column: { name: b, type: text }, up: "(SELECT max(name) FROM items)" }
                """, null);
        assertThatThrownBy(() -> db.engine().start(m))
                .isInstanceOfSatisfying(TandemException.class, e -> assertThat(e.problems())
                        .extracting(p -> p.message())
                        .singleElement()
                        .asString()
                        .contains("'items.name'"));
    }

    @Test
    void shouldUndoAStartWhoseRawSqlFailedWithoutRunningItsDown() {
        String before = db.definition("public.items");
        var m = TestDb.migration("0001_raw", """
                  - add_column: { table: items, column: { name: extra, type: int }, up: id }
                  - sql: { up: "CREATE TABLE audit (id int); SELECT no_such_function()", down: "DROP TABLE audit" }
                """, null);
        assertThatThrownBy(() -> db.engine().start(m)).isInstanceOf(TandemException.class);
        assertThat(db.value("SELECT phase FROM tandem.migrations WHERE id = '0001_raw'"))
                .isEqualTo("ROLLED_BACK");
        assertThat(db.definition("public.items")).isEqualTo(before);
        assertThat(db.value("SELECT to_regclass('public.audit')")).isNull();
    }

    @Test
    void shouldRebuildAnIndexLeftInvalidByAnInterruptedBuild() {
        Engine engine = db.engine(EngineOptions.builder().backfill(false).build());
        engine.start(TestDb.migration("0001_index", """
                  - create_index: { table: items, name: items_code_key, columns: [code], unique: true }
                """, null));
        // An interrupted build leaves an invalid index under the step's name.
        db.exec("UPDATE items SET code = 'dup' WHERE id IN (1, 2)");
        assertThatThrownBy(() -> db.exec("CREATE UNIQUE INDEX CONCURRENTLY items_code_key ON items (code)"));
        db.exec("UPDATE items SET code = 'c' || id WHERE id IN (1, 2)");
        assertThat(db.value("SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_code_key'::regclass"))
                .isEqualTo("f");

        assertThat(engine.backfill(null).phase()).isEqualTo(Phase.BACKFILLED);
        assertThat(db.value("SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_code_key'::regclass"))
                .isEqualTo("t");
    }

    @Test
    void shouldStopARunningBackfillWhenRolledBack() throws Exception {
        Engine slow = db.engine(
                EngineOptions.builder().backfill(false).maxRowsPerSecond(200).build());
        slow.start(TestDb.migration("0001_slow", """
                  - add_column: { table: items, column: { name: upper_name, type: text }, up: upper(name) }
                """, null));
        CompletableFuture<MigrationStatus> backfill =
                CompletableFuture.supplyAsync(() -> slow.backfill(null), TestDb.THREADS);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (Long.parseLong(db.value("SELECT rows_done FROM tandem.backfill")) == 0) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(20);
        }
        assertThat(db.engine().rollback(TransitionRequest.active()).phase()).isEqualTo(Phase.ROLLED_BACK);
        backfill.get(); // it stopped without an error
        assertThat(db.engine().status("0001_slow").orElseThrow().phase()).isEqualTo(Phase.ROLLED_BACK);
        assertThat(db.value("SELECT count(*) FROM information_schema.columns WHERE column_name = 'upper_name'"))
                .isEqualTo("0");
    }

    private String snapshot() {
        return db.definition("public.items")
                + db.rows("SELECT nspname FROM pg_namespace ORDER BY 1")
                + db.rows("SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " WHERE nspname = 'public' ORDER BY 1");
    }
}
