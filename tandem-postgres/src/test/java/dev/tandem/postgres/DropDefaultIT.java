package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Migration;
import dev.tandem.core.Operation;
import dev.tandem.core.Phase;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code alter_column} with {@code default: null} drops the column's default (as in pgroll): the new
 * shape has none while the migration is active, and the table has none after complete. Until now the
 * null meant "no change" to the model and crashed the engine with a NullPointerException.
 */
@ExtendWith(PostgresExtension.class)
class DropDefaultIT {
    static final String ID = "0001_qty_no_default";

    EmbeddedPostgres.Database database;
    TestDb db;

    @BeforeEach
    void seed() {
        db = new TestDb(database);
        db.exec("""
                CREATE TABLE items (id bigserial PRIMARY KEY, qty int DEFAULT 5, note text);
                INSERT INTO items (qty, note) SELECT g % 7, 'n' || g FROM generate_series(1, 500) g;
                """);
    }

    static Migration dropDefault(String nullForm) {
        return TestDb.migration(
                ID, "  - alter_column: { table: items, column: qty, default: " + nullForm + " }\n", null);
    }

    @Test
    void shouldReadEveryFormOfANullDefaultAsDroppingTheDefault() {
        for (String form : List.of("null", "~", "Null", "NULL")) {
            Operation.AlterColumn op =
                    (Operation.AlterColumn) dropDefault(form).operations().getFirst();
            assertThat(op.dropDefault()).as(form).isTrue();
            assertThat(op.defaultValue()).as(form).isNull();
            assertThat(op.needsCopy()).as(form).isTrue();
        }
    }

    @Test
    void shouldDropTheDefaultInTheNewShapeWhileActiveAndInTheTableAfterComplete() throws Exception {
        Engine engine = db.engine();
        assertThat(engine.start(dropDefault("null")).phase()).isEqualTo(Phase.BACKFILLED);

        db.exec("INSERT INTO items (id, note) VALUES (1001, 'old shape')");
        try (Connection c = db.newShape(ID);
                Statement s = c.createStatement()) {
            s.execute("INSERT INTO items (id, note) VALUES (1002, 'new shape')");
            assertThat(TestDb.rows(c, "SELECT id, qty FROM items WHERE id IN (7, 1001, 1002) ORDER BY id"))
                    .containsExactly(List.of("7", "0"), List.of("1001", "5"), row("1002", null));
        }
        // The old shape keeps its default, and sees the new shape's write as it was made.
        assertThat(db.rows("SELECT id, qty FROM items WHERE id IN (1001, 1002) ORDER BY id"))
                .containsExactly(List.of("1001", "5"), row("1002", null));

        engine.complete(TransitionRequest.active());

        assertThat(db.value("SELECT column_default FROM information_schema.columns"
                        + " WHERE table_name = 'items' AND column_name = 'qty'"))
                .isNull();
        db.exec("INSERT INTO items (id, note) VALUES (1003, 'after')");
        assertThat(db.rows("SELECT id, qty FROM items WHERE id IN (7, 1001, 1003) ORDER BY id"))
                .containsExactly(List.of("7", "0"), List.of("1001", "5"), row("1003", null));
        assertThat(db.value("SELECT count(*) FROM items WHERE qty IS DISTINCT FROM id % 7 AND id <= 500"))
                .isEqualTo("0");
    }

    @Test
    void shouldKeepTheDefaultAfterRollback() {
        String before = db.definition("public.items");
        Engine engine = db.engine();
        engine.start(dropDefault("~"));

        engine.rollback(TransitionRequest.active());

        assertThat(db.definition("public.items")).isEqualTo(before).contains("qty integer false 5");
    }

    private static List<String> row(String... values) {
        return java.util.Arrays.asList(values);
    }
}
