package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.MigrationFiles;
import dev.tandem.core.TandemException;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class BadInputChangesNothingIT {
    EmbeddedPostgres.Database database;
    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(database);
        db.exec("""
                CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text);
                INSERT INTO customers (name, email) SELECT 'n' || g, 'e' || g FROM generate_series(1, 100) g;
                """);
    }

    @Test
    void shouldChangeNothingForAMalformedFile() {
        String before = db.everything() + db.rowChecksum("customers");
        assertThatThrownBy(() -> db.engine().start(MigrationFiles.parse("0001_bad.yaml", """
                        id: 0001_bad
                        service: s
                        owner: o
                        rationale: r
                        operations:
                          - add_column: { table: customers, column: { name: x, type: text }, upp: name }
                        """)))
                .isInstanceOfSatisfying(TandemException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.SPEC_INVALID);
                    assertThat(e.getMessage()).contains("0001_bad.yaml:6:");
                });
        assertThat(db.everything() + db.rowChecksum("customers")).isEqualTo(before);
    }

    @Test
    void shouldChangeNothingForAFileThatNamesAMissingColumn() {
        String before = db.everything() + db.rowChecksum("customers");
        Migration m = TestDb.migration("0001_missing", """
                  - add_column:
                      table: customers
                      column: { name: nickname, type: text }
                      up: upper(nmae)
                  - drop_column: { table: customers, column: phone }
                """, "  - { field: customers.phone, sunset: 2020-01-01 }\n");
        assertThatThrownBy(() -> db.engine().start(m)).isInstanceOfSatisfying(TandemException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.SCHEMA_MISMATCH);
            assertThat(e.getMessage()).contains("public.customers.phone does not exist");
            assertThat(e.problems()).hasSizeGreaterThanOrEqualTo(1);
        });
        assertThat(db.everything() + db.rowChecksum("customers")).isEqualTo(before);
        assertThat(db.value("SELECT count(*) FROM pg_namespace WHERE nspname = 'tandem'"))
                .isEqualTo("0");
    }

    @Test
    void shouldReportAnUpExpressionThatNamesAMissingColumnBeforeChangingAnything() {
        String before = db.everything();
        Migration m = TestDb.migration("0001_typo", """
                  - add_column:
                      table: customers
                      column: { name: nickname, type: text }
                      up: upper(nmae)
                """, null);
        assertThatThrownBy(() -> db.engine().start(m)).isInstanceOfSatisfying(TandemException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.SCHEMA_MISMATCH);
            assertThat(e.getMessage()).contains("'up' is not valid here").contains("nmae");
        });
        assertThat(db.everything()).isEqualTo(before);
    }

    @Test
    void shouldRefuseAChangedFileThatWasAlreadyApplied() {
        Engine engine = db.engine();
        String ops = """
                  - add_column:
                      table: customers
                      column: { name: nickname, type: text }
                      up: upper(name)
                """;
        engine.start(TestDb.migration("0001_nick", ops, null));
        engine.complete(TransitionRequest.active());
        String before = db.everything()
                + db.rowChecksum("customers")
                + db.rows("SELECT * FROM tandem.migrations").toString()
                + db.rows("SELECT * FROM tandem.history").toString();

        Migration changed = TestDb.migration("0001_nick", ops.replace("upper(name)", "lower(name)"), null);
        assertThatThrownBy(() -> engine.start(changed)).isInstanceOfSatisfying(TandemException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.CHECKSUM_MISMATCH);
            assertThat(e.getMessage()).contains("0001_nick").contains("must not change");
        });
        assertThat(db.everything()
                        + db.rowChecksum("customers")
                        + db.rows("SELECT * FROM tandem.migrations").toString()
                        + db.rows("SELECT * FROM tandem.history").toString())
                .isEqualTo(before);
    }

    @Test
    void shouldAllowOnlyOneActiveMigrationPerSchema() {
        Engine engine = db.engine();
        engine.start(TestDb.migration("0001_a", """
                  - add_column: { table: customers, column: { name: a, type: text }, up: name }
                """, null));
        assertThatThrownBy(() -> engine.start(TestDb.migration("0002_b", """
                  - add_column: { table: customers, column: { name: b, type: text }, up: name }
                """, null)))
                .isInstanceOfSatisfying(
                        TandemException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MIGRATION_ACTIVE));
        assertThatThrownBy(
                        () -> db.exec("INSERT INTO tandem.migrations (id, schema_name, phase, file, source, checksum)"
                                + " VALUES ('x', 'public', 'PLANNED', '', '', '')"))
                .hasStackTraceContaining("migrations_one_active_per_schema");
    }
}
