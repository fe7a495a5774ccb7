package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.TandemException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A column changed through a copy keeps its indexes, collation and constraints exactly as they were. */
class CopiedColumnFidelityIT extends LifecycleFixture {

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
