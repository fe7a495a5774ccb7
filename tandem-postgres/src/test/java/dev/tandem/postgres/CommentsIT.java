package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code comment} on a new table and on new columns, as pgroll writes it. */
@ExtendWith(PostgresExtension.class)
class CommentsIT {
    EmbeddedPostgres.Database database;
    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(database);
        db.exec("CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 10)");
    }

    @Test
    void shouldLeaveTheTableExactlyAsBeforeOnRollback() {
        String before = db.definition("public.items");
        Engine engine = db.engine();
        engine.start(TestDb.migration("0002_comment", """
                  - add_column:
                      table: items
                      column: { name: label, type: text, comment: "gone again" }
                """, null));
        engine.rollback(TransitionRequest.active());
        assertThat(db.definition("public.items")).isEqualTo(before);
        assertThat(db.value("SELECT count(*) FROM pg_description WHERE objoid = 'items'::regclass"))
                .isEqualTo("0");
    }

    @Test
    void shouldCommentNewTablesAndColumns() {
        Engine engine = db.engine();
        engine.start(TestDb.migration("0001_comments", """
                  - create_table:
                      name: orders
                      comment: "What customers bought; one row per order"
                      columns:
                        - { name: id, type: bigserial, primary_key: true, comment: "The order's number" }
                        - { name: note, type: text }
                  - add_column:
                      table: items
                      column: { name: label, type: text, comment: "Shown on the shelf, it's short" }
                      up: "'item ' || id"
                  - add_column:
                      table: items
                      column: { name: seq, type: bigserial, comment: numbered }
                """, null));
        engine.complete(TransitionRequest.active());

        assertThat(db.value("SELECT obj_description('orders'::regclass, 'pg_class')"))
                .isEqualTo("What customers bought; one row per order");
        assertThat(db.rows("SELECT attname, coalesce(col_description(attrelid, attnum), '-') FROM pg_attribute"
                        + " WHERE attrelid IN ('orders'::regclass, 'items'::regclass) AND attnum > 0 AND NOT attisdropped"
                        + " ORDER BY attrelid::regclass::text, attnum"))
                .containsExactly(
                        List.of("id", "-"),
                        List.of("label", "Shown on the shelf, it's short"),
                        List.of("seq", "numbered"),
                        List.of("id", "The order's number"),
                        List.of("note", "-"));
    }
}
