package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** rename_constraint, as pgroll has it: renamed at start, renamed back by rollback, kept by complete. */
@ExtendWith(PostgresExtension.class)
class RenameConstraintIT {
    static final String RENAME = """
              - rename_constraint: { table: items, from: items_qty_check, to: qty_not_negative }
              - rename_constraint: { table: items, from: items_code_key, to: code_is_unique }
            """;

    EmbeddedPostgres.Database database;
    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(database);
        db.exec("""
                CREATE TABLE items (id int PRIMARY KEY, qty int CHECK (qty >= 0), code text UNIQUE);
                INSERT INTO items SELECT g, g, 'c' || g FROM generate_series(1, 20) g;
                """);
    }

    private String names() {
        return db.value("SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint"
                + " WHERE conrelid = 'items'::regclass");
    }

    @Test
    void shouldRenameAtStartKeepTheNamesAtCompleteAndLetALaterMigrationDropByTheNewName() {
        Engine engine = db.engine();
        engine.start(TestDb.migration("0001_rename", RENAME, null));
        assertThat(names()).isEqualTo("code_is_unique,items_pkey,qty_not_negative");
        engine.complete(TransitionRequest.active());
        assertThat(names()).isEqualTo("code_is_unique,items_pkey,qty_not_negative");
        assertThat(db.value("SELECT count(*) FROM pg_class WHERE relname = 'code_is_unique'"))
                .isEqualTo("1");

        engine.start(TestDb.migration("0002_drop", """
                  - drop_constraint: { table: items, name: qty_not_negative }
                """, null));
        engine.complete(TransitionRequest.active());
        assertThat(names()).isEqualTo("code_is_unique,items_pkey");
    }

    @Test
    void shouldRenameBackOnRollback() {
        String before = db.definition("public.items");
        Engine engine = db.engine();
        engine.start(TestDb.migration("0001_rename", RENAME, null));
        engine.rollback(TransitionRequest.active());
        assertThat(db.definition("public.items")).isEqualTo(before);
    }

    @Test
    void shouldRefuseAConstraintThatDoesNotExistOrANameThatIsTaken() {
        String before = db.definition("public.items");
        assertThatThrownBy(() -> db.engine().start(TestDb.migration("0003_bad", """
                          - rename_constraint: { table: items, from: no_such_check, to: anything }
                          - rename_constraint: { table: items, from: items_qty_check, to: items_code_key }
                        """, null)))
                .isInstanceOfSatisfying(TandemException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.SCHEMA_MISMATCH);
                    assertThat(e.getMessage())
                            .contains("0003_bad.yaml:6:")
                            .contains("constraint no_such_check does not exist on public.items")
                            .contains("0003_bad.yaml:7:")
                            .contains("items_code_key already exists");
                });
        assertThat(db.definition("public.items")).isEqualTo(before);
    }

    @Test
    void shouldRefuseToRenameAConstraintThatTheMigrationRebuildsOnACopy() {
        String before = db.definition("public.items");
        assertThatThrownBy(() -> db.engine().start(TestDb.migration("0004_both", """
                          - alter_column: { table: items, column: qty, type: bigint, up: qty, down: qty::int }
                          - rename_constraint: { table: items, from: items_qty_check, to: qty_not_negative }
                        """, null)))
                .isInstanceOfSatisfying(TandemException.class, e -> assertThat(e.getMessage())
                        .contains("0004_both.yaml:7:")
                        .contains("constraint items_qty_check of public.items covers a column this migration"
                                + " rebuilds through a copy"));
        assertThat(db.definition("public.items")).isEqualTo(before);
    }
}
