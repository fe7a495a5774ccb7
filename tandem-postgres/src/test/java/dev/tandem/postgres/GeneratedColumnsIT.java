package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Generated columns in pgroll's form: identity (ALWAYS or BY DEFAULT) and stored expressions. */
@ExtendWith(PostgresExtension.class)
class GeneratedColumnsIT {
    EmbeddedPostgres.Database database;
    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(database);
        db.exec("CREATE TABLE items (id int PRIMARY KEY, qty int)");
    }

    @Test
    void shouldCreateATableWithIdentityAndStoredGeneratedColumns() throws SQLException {
        Engine engine = db.engine();
        engine.start(TestDb.migration("0001_orders", """
                  - create_table:
                      name: orders
                      columns:
                        - name: id
                          type: bigint
                          primary_key: true
                          generated: { identity: { user_specified_values: ALWAYS } }
                        - name: ref
                          type: bigint
                          generated: { identity: { user_specified_values: BY DEFAULT, sequence_options: "START WITH 1000" } }
                        - { name: qty, type: int, nullable: false }
                        - { name: doubled, type: int, generated: { expression: qty * 2 } }
                """, null));
        try (Connection c = db.newShape("0001_orders");
                Statement s = c.createStatement()) {
            s.execute("INSERT INTO orders (qty) VALUES (3)");
            s.execute("INSERT INTO orders (ref, qty) VALUES (7, 4)");
            assertThatThrownBy(() -> s.execute("INSERT INTO orders (id, qty) VALUES (99, 5)"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("428C9"));
        }
        engine.complete(TransitionRequest.active());

        assertThat(db.rows("SELECT id, ref, qty, doubled FROM orders ORDER BY id"))
                .containsExactly(List.of("1", "1000", "3", "6"), List.of("2", "7", "4", "8"));
        assertThat(db.rows("SELECT attname, attidentity::text, attgenerated::text, attnotnull::text FROM pg_attribute"
                        + " WHERE attrelid = 'orders'::regclass AND attnum > 0 ORDER BY attnum"))
                .containsExactly(
                        List.of("id", "a", "", "true"),
                        List.of("ref", "d", "", "true"),
                        List.of("qty", "", "", "true"),
                        List.of("doubled", "", "s", "false"));
    }

    @Test
    void shouldRefuseAGeneratedExpressionThatDoesNotFitItsTableAndChangeNothing() {
        assertThatThrownBy(() -> db.engine().start(TestDb.migration("0002_bad", """
                          - create_table:
                              name: orders
                              columns:
                                - { name: id, type: int, primary_key: true }
                                - { name: doubled, type: int, generated: { expression: no_such_column * 2 } }
                        """, null)))
                .isInstanceOfSatisfying(TandemException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.SCHEMA_MISMATCH);
                    assertThat(e.getMessage()).contains("generated.expression").contains("no_such_column");
                });
        assertThat(db.value("SELECT count(*) FROM pg_class WHERE relname = 'orders'"))
                .isEqualTo("0");
    }

    @Test
    void shouldRefuseToAddGeneratedColumnsToAnExistingTableSayingWhatToDoInstead() {
        for (String[] c : List.of(
                new String[] {"generated: { identity: { user_specified_values: ALWAYS } }", "bigserial"},
                new String[] {"generated: { expression: qty * 2 }", "up: qty * 2"})) {
            assertThatThrownBy(() -> db.engine().start(TestDb.migration("0003_add", """
                              - add_column: { table: items, column: { name: extra, type: bigint, %s } }
                            """.formatted(c[0]), null)))
                    .isInstanceOfSatisfying(TandemException.class, e -> assertThat(e.getMessage())
                            .contains("rewriting the table")
                            .contains(c[1]));
        }
        assertThat(db.value("SELECT count(*) FROM pg_attribute WHERE attrelid = 'items'::regclass AND attnum > 0"))
                .isEqualTo("2");
    }

    @Test
    void shouldServeANewShapeOfATableThatHasAGeneratedColumn() throws SQLException {
        db.exec("""
                CREATE TABLE labels (id int PRIMARY KEY, label text NOT NULL,
                                     slug text GENERATED ALWAYS AS (lower(label)) STORED);
                INSERT INTO labels (id, label) VALUES (1, 'One'), (2, 'Two');
                """);
        Engine engine = db.engine();
        engine.start(TestDb.migration("0003_position", """
                  - add_column: { table: labels, column: { name: position, type: smallserial } }
                  - add_column: { table: labels, column: { name: shout, type: text, nullable: true }, up: upper(label) }
                """, null));
        try (var c = db.newShape("0003_position");
                var s = c.createStatement()) {
            s.execute("INSERT INTO labels (id, label, shout) VALUES (3, 'Three', 'THREE!')");
            s.execute("UPDATE labels SET label = 'Uno' WHERE id = 1");
        }
        db.exec("INSERT INTO labels (id, label) VALUES (4, 'Four')");
        engine.complete(TransitionRequest.active());
        assertThat(db.rows("SELECT id, label, slug, shout, position FROM labels ORDER BY id"))
                .containsExactly(
                        List.of("1", "Uno", "uno", "ONE", "1"),
                        List.of("2", "Two", "two", "TWO", "2"),
                        List.of("3", "Three", "three", "THREE!", "3"),
                        List.of("4", "Four", "four", "FOUR", "4"));
    }
}
