package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.TandemException;
import org.junit.jupiter.api.Test;

/**
 * {@code unique: true} on a column that is already unique is refused before anything changes, naming
 * what already makes it unique; without it, the change keeps that one uniqueness, and never two.
 */
class AlreadyUniqueIT extends LifecycleFixture {

    private static Migration codeToBigint(boolean unique) {
        return TestDb.migration("0001_code_bigint", """
                  - alter_column: { table: codes, column: code, type: bigint, %sup: "code::bigint", down: "code::int" }
                """.formatted(unique ? "unique: true, " : ""), null);
    }

    /** The unique indexes (of constraints or not) whose only key column is {@code code}. */
    private String uniqueOnCode() {
        return db.value("""
                SELECT string_agg(c.relname, ', ' ORDER BY c.relname) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE i.indrelid = 'public.codes'::regclass AND i.indisunique AND i.indnkeyatts = 1
                  AND i.indkey[0] = (SELECT attnum FROM pg_attribute WHERE attrelid = 'public.codes'::regclass AND attname = 'code')
                """);
    }

    private void assertRefusedNaming(String existing) {
        String before = snapshot();
        Migration m = codeToBigint(true);
        for (Runnable attempt : new Runnable[] {() -> engine().plan(m), () -> engine().start(m)}) {
            assertThatThrownBy(attempt::run).isInstanceOfSatisfying(TandemException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.SCHEMA_MISMATCH);
                assertThat(e.getMessage())
                        .contains("0001_code_bigint.yaml:")
                        .contains("column public.codes.code is already unique: " + existing)
                        .contains("Remove 'unique: true'");
            });
        }
        assertThat(snapshot()).isEqualTo(before);
    }

    /** Every schema and relation, and everything the catalog says about the table. */
    private String snapshot() {
        return db.rows(
                        "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                                + " UNION ALL SELECT nspname FROM pg_namespace ORDER BY 1")
                + "\n" + CatalogDescription.of(db, "public", "codes");
    }

    @Test
    void shouldRefuseUniqueTrueOnAColumnWithAUniqueConstraint() {
        db.exec("CREATE TABLE codes (id int PRIMARY KEY, code int CONSTRAINT codes_code_key UNIQUE)");
        assertRefusedNaming("unique constraint codes_code_key");
    }

    @Test
    void shouldRefuseUniqueTrueOnAColumnWithAUniqueIndexWithIncludedColumns() {
        db.exec("CREATE TABLE codes (id int PRIMARY KEY, code int, extra text);"
                + " CREATE UNIQUE INDEX codes_code_idx ON codes (code) INCLUDE (extra)");
        assertRefusedNaming("unique index codes_code_idx");
    }

    @Test
    void shouldRefuseUniqueTrueOnThePrimaryKey() {
        db.exec("CREATE TABLE codes (code int CONSTRAINT codes_pkey PRIMARY KEY, label text)");
        assertRefusedNaming("primary key codes_pkey");
    }

    @Test
    void shouldKeepTheOneUniqueConstraintOfAColumnWhoseTypeChanges() {
        db.exec("CREATE TABLE codes (id int PRIMARY KEY, code int CONSTRAINT codes_code_key UNIQUE);"
                + " INSERT INTO codes SELECT g, g FROM generate_series(1, 500) g");
        Migration m = codeToBigint(false);
        Engine engine = start(m);
        engine.backfill(null);
        engine.complete(TransitionRequest.active());

        assertThat(uniqueOnCode()).isEqualTo("codes_code_key");
        assertThat(failingState("INSERT INTO codes VALUES (1001, 7)")).isEqualTo("23505");
    }

    @Test
    void shouldAddOneUniqueConstraintToAColumnThatIsUniqueOnlyUnderAnotherCollation() {
        db.exec("CREATE TABLE codes (id int PRIMARY KEY, code text);"
                + " CREATE UNIQUE INDEX codes_code_c ON codes (code COLLATE \"C\");"
                + " INSERT INTO codes SELECT g, 'c' || g FROM generate_series(1, 500) g");
        Migration m = TestDb.migration("0001_code_unique", """
                  - alter_column: { table: codes, column: code, type: varchar(20), unique: true, up: "code::varchar(20)", down: "code::text" }
                """, null);
        Engine engine = start(m);
        engine.backfill(null);
        engine.complete(TransitionRequest.active());

        assertThat(uniqueOnCode()).isEqualTo("codes_code_c, codes_code_key");
        assertThat(db.value("SELECT count(*) FROM pg_constraint WHERE conrelid = 'public.codes'::regclass"
                        + " AND contype = 'u'"))
                .isEqualTo("1");
    }
}
