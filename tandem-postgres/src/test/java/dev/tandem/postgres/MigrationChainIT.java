package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Phase;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A completed migration leaves nothing behind that a later one trips on: long chains on one table. */
@ExtendWith(PostgresExtension.class)
class MigrationChainIT {
    EmbeddedPostgres.Database database;
    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(database);
        db.exec("""
                CREATE TABLE users (id int PRIMARY KEY);
                INSERT INTO users SELECT g FROM generate_series(1, 10) g;
                CREATE TABLE orders (id int PRIMARY KEY, user_id int, region text, code text, qty int NOT NULL DEFAULT 0);
                INSERT INTO orders SELECT g, 1 + g % 12, 'r' || (g % 3), 'c' || g, g FROM generate_series(1, 500) g;
                """);
    }

    private void run(String id, String operations) {
        Engine engine = db.engine();
        assertThat(engine.start(TestDb.migration(id, operations, null)).phase())
                .as(id)
                .isEqualTo(Phase.BACKFILLED);
        assertThat(engine.complete(TransitionRequest.active()).phase()).as(id).isEqualTo(Phase.COMPLETE);
        assertThat(db.value("SELECT count(*) FROM pg_attribute WHERE attrelid = 'orders'::regclass"
                        + " AND attname LIKE '%tandem%' AND NOT attisdropped"))
                .as("tandem columns left by " + id)
                .isEqualTo("0");
        assertThat(db.value("SELECT count(*) FROM pg_class WHERE relname LIKE '%tandem%'"))
                .as("tandem relations left by " + id)
                .isEqualTo("0");
    }

    @Test
    void shouldRunAForeignKeyAfterAMultiColumnUniqueConstraintOnTheSameColumns() {
        db.exec("""
                ALTER TABLE users ADD COLUMN region text;
                UPDATE users SET region = 'r' || (id % 3);
                ALTER TABLE users ADD UNIQUE (id, region);
                """);
        run("0001_unique", """
                  - create_constraint: { table: orders, name: orders_user_region_key, type: unique, columns: [user_id, region, code] }
                """);
        // Both columns of the key are copied (each has up and down), and both are in the unique index.
        run("0002_fkey", """
                  - create_constraint:
                      table: orders
                      name: orders_user_fkey
                      type: foreign_key
                      columns: [user_id, region]
                      references: { table: users, columns: [id, region] }
                      up:
                        user_id: "CASE WHEN user_id <= 10 AND region = 'r' || (user_id % 3) THEN user_id END"
                        region: "CASE WHEN user_id <= 10 AND region = 'r' || (user_id % 3) THEN region END"
                      down: { user_id: user_id, region: region }
                """);
        assertThat(db.value("SELECT count(*) FROM orders WHERE user_id > 10")).isEqualTo("0");
        assertThat(db.definition("public.orders"))
                .contains("constraint orders_user_region_key UNIQUE (user_id, region, code)")
                .contains("constraint orders_user_fkey FOREIGN KEY (user_id, region) REFERENCES users(id, region)");
    }

    @Test
    void shouldRunALongChainOfMigrationsOnOneTable() {
        List<String[]> chain = List.of(
                new String[] {"0001_unique", """
                  - create_constraint: { table: orders, name: orders_region_code_key, type: unique, columns: [region, code] }
                """},
                new String[] {"0002_code_type", """
                  - alter_column: { table: orders, column: code, type: varchar(20), up: code, down: code }
                """},
                new String[] {"0003_fkey", """
                  - create_constraint:
                      table: orders
                      name: orders_user_fkey
                      type: foreign_key
                      columns: [user_id]
                      references: { table: users, columns: [id] }
                      up: { user_id: "CASE WHEN user_id <= 10 THEN user_id END" }
                      down: { user_id: user_id }
                """},
                new String[] {"0004_rename", """
                  - rename_column: { table: orders, from: region, to: area }
                """},
                new String[] {"0005_qty_bigint", """
                  - alter_column: { table: orders, column: qty, type: bigint, up: qty::bigint, down: qty::int }
                """},
                new String[] {"0006_add", """
                  - add_column: { table: orders, column: { name: total, type: bigint, nullable: false, default: "0" }, up: qty * 2 }
                  - create_index: { table: orders, name: orders_total_idx, columns: [total] }
                """},
                new String[] {"0007_area_not_null", """
                  - alter_column: { table: orders, column: area, nullable: false, up: "coalesce(area, 'none')", down: area }
                """},
                new String[] {"0008_code_unique_check", """
                  - alter_column: { table: orders, column: code, check: "length(code) > 0", up: code, down: code }
                """});
        for (String[] step : chain) {
            run(step[0], step[1]);
        }
        assertThat(db.value("SELECT count(*) FROM orders")).isEqualTo("500");
        assertThat(db.value("SELECT count(*) FROM orders WHERE total IS DISTINCT FROM qty * 2"))
                .isEqualTo("0");
        assertThat(db.definition("public.orders"))
                .contains("constraint orders_region_code_key UNIQUE (area, code)")
                .contains("constraint orders_user_fkey FOREIGN KEY (user_id) REFERENCES users(id)")
                .contains("index CREATE INDEX orders_total_idx");
    }
}
