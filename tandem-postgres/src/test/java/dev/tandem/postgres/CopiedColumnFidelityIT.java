package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.TandemException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A column changed through a copy keeps everything it had: after complete, its table cannot be told
 * from one created with the new shape, except for the column's position (a copy is added at the end).
 */
class CopiedColumnFidelityIT extends LifecycleFixture {

    /**
     * The table of the whole-catalog tests, with every kind of thing a column can carry: privileges,
     * comments, statistics targets and options, storage, compression, extended statistics, and the
     * comments of its indexes and constraints. {@code %1$s}, {@code %2$s}, {@code %3$s}: the types of
     * id, code and note; {@code %4$s} and {@code %5$s}: two roles.
     */
    private static final String ACCOUNTS = """
            CREATE FUNCTION accounts_region() RETURNS trigger LANGUAGE plpgsql AS
              $$ BEGIN NEW.region := lower(NEW.region); RETURN NEW; END $$;
            CREATE TABLE accounts (
              id %1$s PRIMARY KEY,
              code %2$s NOT NULL CONSTRAINT accounts_code_check CHECK (code > 0),
              region text NOT NULL DEFAULT 'eu',
              note %3$s,
              CONSTRAINT accounts_code_key UNIQUE (code),
              CONSTRAINT accounts_note_code_check CHECK (length(note) < code + 1000)
            );
            CREATE TRIGGER accounts_region BEFORE INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION accounts_region();
            CREATE INDEX accounts_code_region_idx ON accounts (code DESC, region) WITH (fillfactor = 70);
            CREATE INDEX accounts_note_code_idx ON accounts (note, code);
            COMMENT ON TABLE accounts IS 'every account';
            COMMENT ON COLUMN accounts.code IS 'the account''s code';
            COMMENT ON COLUMN accounts.note IS 'free text';
            COMMENT ON INDEX accounts_code_region_idx IS 'by code and region';
            COMMENT ON INDEX accounts_code_key IS 'the index of the key';
            COMMENT ON CONSTRAINT accounts_code_key ON accounts IS 'one account per code';
            COMMENT ON CONSTRAINT accounts_code_check ON accounts IS 'codes are positive';
            COMMENT ON CONSTRAINT accounts_pkey ON accounts IS 'the key';
            ALTER TABLE accounts ALTER COLUMN code SET STATISTICS 500;
            ALTER TABLE accounts ALTER COLUMN code SET (n_distinct = -0.5);
            ALTER TABLE accounts ALTER COLUMN note SET STORAGE MAIN;
            ALTER TABLE accounts ALTER COLUMN note SET COMPRESSION pglz;
            CREATE STATISTICS accounts_code_region (ndistinct, dependencies) ON code, region FROM accounts;
            ALTER STATISTICS accounts_code_region SET STATISTICS 300;
            COMMENT ON STATISTICS accounts_code_region IS 'codes by region';
            CREATE STATISTICS accounts_all ON region, note, code FROM accounts;
            CREATE STATISTICS accounts_region_expr ON region, (lower(region)) FROM accounts;
            GRANT SELECT ON accounts TO %4$s;
            GRANT SELECT (id, code, region), UPDATE (code), INSERT (code, region) ON accounts TO %5$s;
            GRANT REFERENCES (code) ON accounts TO %5$s WITH GRANT OPTION;
            GRANT SELECT (note) ON accounts TO PUBLIC;
            GRANT USAGE ON SEQUENCE accounts_id_seq TO %5$s;
            INSERT INTO accounts (code, region, note) SELECT g, CASE WHEN g %% 3 = 0 THEN 'US' ELSE 'EU' END, 'n' || g
            FROM generate_series(1, 300) g;
            """;

    private static final String ACCOUNTS_MIGRATION = """
              - alter_column: { table: accounts, column: id, type: bigint, up: "id::bigint", down: "id::int" }
              - alter_column: { table: accounts, column: code, type: bigint, up: "code::bigint", down: "code::int" }
              - alter_column: { table: accounts, column: note, type: text, up: "note::text", down: "note::varchar(50)" }
            """;

    /** A role of this test's own: roles are server-wide, and the server is shared by every test. */
    private String role(String name) {
        String role = database.name() + "_" + name;
        db.exec("DROP ROLE IF EXISTS " + Sql.id(role) + "; CREATE ROLE " + Sql.id(role));
        return Sql.id(role);
    }

    /** The accounts table in {@code schema}, created with the given column types. */
    private void accounts(String schema, String idType, String codeType, String noteType, String reader, String clerk) {
        db.exec("CREATE SCHEMA IF NOT EXISTS " + Sql.id(schema) + "; SET search_path = " + Sql.id(schema) + ";\n"
                + ACCOUNTS.formatted(idType, codeType, noteType, reader, clerk));
    }

    @Test
    void shouldLeaveATableWhoseColumnsChangedTypeIndistinguishableFromOneCreatedWithTheNewTypes() {
        String reader = role("reader");
        String clerk = role("clerk");
        accounts("public", "serial", "int", "varchar(50)", reader, clerk);
        accounts("reference", "bigserial", "bigint", "text", reader, clerk);
        accounts("reference_old", "serial", "int", "varchar(50)", reader, clerk);
        // The description tells the two shapes apart, and names nothing by its schema.
        assertThat(CatalogDescription.of(db, "public", "accounts"))
                .isEqualTo(CatalogDescription.of(db, "reference_old", "accounts"))
                .isNotEqualTo(CatalogDescription.of(db, "reference", "accounts"));
        String columns = "SELECT id, code, region, note FROM public.accounts ORDER BY id";
        List<List<String>> rows = db.rows(columns);

        run(TestDb.migration("0001_accounts_wider", ACCOUNTS_MIGRATION, null));

        assertThat(CatalogDescription.of(db, "public", "accounts"))
                .containsExactlyElementsOf(CatalogDescription.of(db, "reference", "accounts"));
        assertThat(db.rows(columns)).isEqualTo(rows);
        assertAllValid("public.accounts");
    }

    @Test
    void shouldKeepTheGrantsAndCommentAColumnHasAtCompleteNotThoseItHadAtStart() {
        String reader = role("reader");
        String clerk = role("clerk");
        accounts("public", "serial", "int", "varchar(50)", reader, clerk);
        Migration m = TestDb.migration("0001_accounts_wider", ACCOUNTS_MIGRATION, null);
        Engine engine = start(m);
        db.exec("REVOKE SELECT (note) ON accounts FROM PUBLIC; GRANT UPDATE (note) ON accounts TO " + clerk
                + "; REVOKE INSERT (code) ON accounts FROM " + clerk + "; COMMENT ON COLUMN accounts.note IS NULL;"
                + " ALTER TABLE accounts ALTER COLUMN code SET STATISTICS 40");
        engine.backfill(null);
        db.exec("GRANT SELECT (note) ON accounts TO " + reader + "; COMMENT ON COLUMN accounts.code IS 'changed'");
        engine.complete(TransitionRequest.active());

        // The same changes, made to a table that always had the new types.
        accounts("reference", "bigserial", "bigint", "text", reader, clerk);
        db.exec("SET search_path = reference; REVOKE SELECT (note) ON accounts FROM PUBLIC;"
                + " GRANT UPDATE (note) ON accounts TO " + clerk + "; REVOKE INSERT (code) ON accounts FROM " + clerk
                + "; COMMENT ON COLUMN accounts.note IS NULL; ALTER TABLE accounts ALTER COLUMN code SET STATISTICS 40;"
                + " GRANT SELECT (note) ON accounts TO " + reader + "; COMMENT ON COLUMN accounts.code IS 'changed'");
        assertThat(CatalogDescription.of(db, "public", "accounts"))
                .containsExactlyElementsOf(CatalogDescription.of(db, "reference", "accounts"));
    }

    @Test
    void shouldServeTheNewShapeToARoleThatMayReadOnlySomeColumns() throws Exception {
        String clerk = role("clerk");
        accounts("public", "serial", "int", "varchar(50)", role("reader"), clerk);
        Migration m = TestDb.migration("0001_accounts_wider", ACCOUNTS_MIGRATION, null);
        Engine engine = start(m);
        engine.backfill(null);

        try (java.sql.Connection c = db.newShape(m.id());
                java.sql.Statement s = c.createStatement()) {
            s.execute("SET ROLE " + clerk);
            assertThat(TestDb.rows(c, "SELECT id, code, pg_typeof(code)::text, region FROM accounts WHERE code = 7"))
                    .containsExactly(row("7", "7", "bigint", "eu"));
            assertThat(TestDb.rows(c, "SELECT count(note) FROM accounts")).containsExactly(row("300"));
        }
    }

    private void run(Migration m) {
        Engine engine = start(m);
        engine.backfill(null);
        engine.complete(TransitionRequest.active());
        assertNoTrace(m.id(), null);
    }

    private List<List<String>> indexDefinitions(String table) {
        return db.rows("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = '"
                + table + "' ORDER BY indexname");
    }

    private static final String LABELS = """
            CREATE SCHEMA IF NOT EXISTS %1$s;
            CREATE TABLE %1$s.labels (id int PRIMARY KEY, %2$s text%3$s, kind text);
            CREATE STATISTICS %1$s.labels_expr ON kind, (lower(%2$s)) FROM %1$s.labels;
            """;

    @Test
    void shouldRecreateExpressionStatisticsOnAColumnRenamedAndMadeNotNullThroughACopy() {
        db.exec(LABELS.formatted("public", "label", "")
                + "INSERT INTO labels SELECT g, 'L' || g, 'k' || (g % 7) FROM generate_series(1, 200) g");

        run(TestDb.migration("0001_label_title", """
                  - alter_column: { table: labels, column: label, name: title, nullable: false, up: "coalesce(label, '')", down: title }
                """, null));

        db.exec(LABELS.formatted("reference", "title", " NOT NULL"));
        assertThat(CatalogDescription.of(db, "public", "labels"))
                .containsExactlyElementsOf(CatalogDescription.of(db, "reference", "labels"))
                .anyMatch(line ->
                        line.startsWith("statistics labels_expr kinds=dfme columns=kind expressions={lower(title)}"));
    }

    @Test
    void shouldRefuseToChangeTheTypeOfAColumnReadByExpressionStatisticsAndChangeNothing() {
        db.exec(LABELS.formatted("public", "label", ""));
        List<String> before = CatalogDescription.of(db, "public", "labels");
        Migration m = TestDb.migration("0001_label_varchar", """
                  - alter_column: { table: labels, column: label, type: varchar(20), up: "label::varchar(20)", down: label }
                """, null);

        assertThatThrownBy(() -> engine().start(m))
                .isInstanceOfSatisfying(TandemException.class, e -> assertThat(e.getMessage())
                        .contains("0001_label_varchar.yaml:")
                        .contains("used by statistics object public.labels_expr on expressions")
                        .contains("drop it first"));
        assertThat(CatalogDescription.of(db, "public", "labels")).isEqualTo(before);
    }

    @Test
    void shouldLeaveStorageAndCompressionBehindWhenTheNewTypeCannotHaveThem() {
        String table = """
                CREATE SCHEMA IF NOT EXISTS %1$s;
                CREATE TABLE %1$s.counters (id int PRIMARY KEY, n %2$s);
                COMMENT ON COLUMN %1$s.counters.n IS 'a count';
                """;
        db.exec(table.formatted("public", "text")
                + "ALTER TABLE counters ALTER COLUMN n SET STORAGE EXTERNAL, ALTER COLUMN n SET COMPRESSION pglz;"
                + " INSERT INTO counters SELECT g, g::text FROM generate_series(1, 100) g");

        run(TestDb.migration("0001_n_int", """
                  - alter_column: { table: counters, column: n, type: int, up: "n::int", down: "n::text" }
                """, null));

        db.exec(table.formatted("reference", "int"));
        assertThat(CatalogDescription.of(db, "public", "counters"))
                .containsExactlyElementsOf(CatalogDescription.of(db, "reference", "counters"));
    }

    @Test
    void shouldRebuildIndexesOfACopiedColumnWithTheirIncludeColumnsOrderingAndOptions() {
        db.exec("""
                CREATE TABLE codes (
                  id int PRIMARY KEY,
                  code int,
                  extra text,
                  CONSTRAINT codes_code_key UNIQUE (code) INCLUDE (extra)
                );
                CREATE UNIQUE INDEX codes_code_nnd ON codes (code) NULLS NOT DISTINCT;
                CREATE INDEX codes_code_extra_idx ON codes (code DESC NULLS LAST, extra COLLATE "C" text_pattern_ops);
                INSERT INTO codes SELECT g, g, 'x' || g FROM generate_series(1, 500) g;
                """);
        List<List<String>> before = indexDefinitions("codes");

        run(TestDb.migration("0001_code_bigint", """
                  - alter_column: { table: codes, column: code, type: bigint, up: "code::bigint", down: "code::int" }
                """, null));

        assertThat(db.value("SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                        + " WHERE attrelid = 'public.codes'::regclass AND attname = 'code'"))
                .isEqualTo("bigint");
        assertThat(indexDefinitions("codes")).isEqualTo(before);
        assertThat(db.value("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'codes_code_key'"))
                .isEqualTo("UNIQUE (code) INCLUDE (extra)");
        assertAllValid("public.codes");
        // The key is code alone: the same code with another extra is a duplicate.
        assertThat(failingState("INSERT INTO codes (id, code, extra) VALUES (1001, 7, 'other')"))
                .isEqualTo("23505");
        db.exec("INSERT INTO codes (id, code, extra) VALUES (1002, NULL, 'a')");
        assertThat(failingState("INSERT INTO codes (id, code, extra) VALUES (1003, NULL, 'b')"))
                .isEqualTo("23505");
    }

    @Test
    void shouldKeepTheCollationOfAColumnCopiedWithItsType() {
        db.exec("""
                CREATE TABLE labels (id int PRIMARY KEY, label text COLLATE "C");
                CREATE INDEX labels_label_idx ON labels (label);
                INSERT INTO labels SELECT g, CASE WHEN g % 2 = 0 THEN 'b' || g ELSE 'B' || g END FROM generate_series(1, 200) g;
                """);
        String collation = "SELECT attcollation::regcollation::text FROM pg_attribute"
                + " WHERE attrelid = 'public.labels'::regclass AND attname = 'label'";
        assertThat(db.value(collation)).isEqualTo("\"C\"");
        List<List<String>> before = indexDefinitions("labels");

        run(TestDb.migration("0001_label_not_null", """
                  - alter_column: { table: labels, column: label, nullable: false, up: "coalesce(label, '')", down: label }
                """, null));

        assertThat(db.value(collation)).isEqualTo("\"C\"");
        assertThat(db.value("SELECT collation_name FROM information_schema.columns"
                        + " WHERE table_name = 'labels' AND column_name = 'label'"))
                .isEqualTo("C");
        assertThat(db.value("SELECT attnotnull FROM pg_attribute"
                        + " WHERE attrelid = 'public.labels'::regclass AND attname = 'label'"))
                .isEqualTo("t");
        assertThat(indexDefinitions("labels")).isEqualTo(before);
        assertAllValid("public.labels");
    }

    @Test
    void shouldCopyAForeignKeyWhoseColumnHasTheReferencedColumnsName() {
        db.exec("""
                CREATE TABLE customers (customer_id int PRIMARY KEY, name text);
                INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 20) g;
                CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers (customer_id));
                INSERT INTO orders SELECT g, 1 + g % 20 FROM generate_series(1, 500) g;
                """);
        String fk = "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'public.orders'::regclass"
                + " AND contype = 'f' AND conname = 'orders_customer_id_fkey'";
        String definition = db.value(fk);
        assertThat(definition).isEqualTo("FOREIGN KEY (customer_id) REFERENCES customers(customer_id)");

        run(TestDb.migration("0001_customer_id_bigint", """
                  - alter_column: { table: orders, column: customer_id, type: bigint, up: "customer_id::bigint", down: "customer_id::int" }
                """, null));

        assertThat(db.value("SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                        + " WHERE attrelid = 'public.orders'::regclass AND attname = 'customer_id'"))
                .isEqualTo("bigint");
        assertThat(db.value(fk)).isEqualTo(definition);
        assertThat(db.value("SELECT count(*) FROM pg_constraint WHERE conrelid = 'public.orders'::regclass"
                        + " AND contype = 'f'"))
                .isEqualTo("1");
        assertAllValid("public.orders");
        assertThat(db.definition("public.orders")).doesNotContain("_tandem");
        db.exec("INSERT INTO orders (id, customer_id) VALUES (1001, 5)");
        assertThat(failingState("INSERT INTO orders (id, customer_id) VALUES (1002, 999)"))
                .isEqualTo("23503");
        assertThat(failingState("DELETE FROM customers WHERE customer_id = 5")).isEqualTo("23503");
    }

    @Test
    void shouldRefuseToCopyAColumnOfAnExclusionConstraintAndChangeNothing() {
        db.exec("""
                CREATE TABLE customers (id int PRIMARY KEY, email text, CONSTRAINT customers_email_excl EXCLUDE USING btree (email WITH =));
                INSERT INTO customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 100) g;
                """);
        String before = db.everything() + db.rowChecksum("public.customers");
        Migration m = TestDb.migration("0001_email_varchar", """
                  - alter_column: { table: customers, column: email, type: varchar(200), up: "email::varchar(200)", down: "email::text" }
                """, null);

        assertThatThrownBy(() -> engine().start(m)).isInstanceOfSatisfying(TandemException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.SCHEMA_MISMATCH);
            assertThat(e.getMessage())
                    .contains("exclusion constraint customers_email_excl")
                    .contains("nothing was changed");
        });
        assertThat(db.everything() + db.rowChecksum("public.customers")).isEqualTo(before);
    }
}
