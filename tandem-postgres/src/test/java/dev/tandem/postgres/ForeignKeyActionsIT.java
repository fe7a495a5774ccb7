package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** on_delete, on_update, deferrable and initially_deferred, inline and in create_constraint. */
@ExtendWith(PostgresExtension.class)
class ForeignKeyActionsIT {
    EmbeddedPostgres.Database database;
    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(database);
        db.exec("""
                CREATE TABLE users (id int PRIMARY KEY);
                INSERT INTO users SELECT g FROM generate_series(1, 5) g;
                CREATE TABLE items (id int PRIMARY KEY, owner_id int, buyer_id int);
                INSERT INTO items SELECT g, 1 + g % 5, 1 + g % 5 FROM generate_series(1, 50) g;
                """);
    }

    /** Each foreign key of a table: name, and PostgreSQL's own definition of it. */
    private List<List<String>> keys(String table) {
        return db.rows("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f'"
                + " AND conrelid = '" + table + "'::regclass ORDER BY conname");
    }

    private static dev.tandem.core.Migration keys() {
        return TestDb.migration("0001_keys", """
                  - create_table:
                      name: notes
                      columns:
                        - { name: id, type: int, primary_key: true }
                        - { name: user_id, type: int, references: { table: users, column: id, on_delete: cascade, on_update: SET_NULL } }
                  - add_column:
                      table: items
                      column: { name: maker_id, type: int, references: { table: users, column: id, on_delete: SET NULL } }
                  - create_constraint:
                      table: items
                      name: items_owner_fkey
                      type: foreign_key
                      columns: [owner_id]
                      references: { table: users, columns: [id], on_delete: RESTRICT, deferrable: true, initially_deferred: true }
                  - alter_column:
                      table: items
                      column: buyer_id
                      references: { table: users, column: id, on_delete: set default }
                      up: buyer_id
                      down: buyer_id
                """, null);
    }

    @Test
    void shouldLeaveTheTablesExactlyAsBeforeOnRollback() {
        String items = db.definition("public.items");
        String users = db.definition("public.users");
        String rows = db.rowChecksum("public.items");
        Engine engine = db.engine();
        engine.start(keys());
        engine.rollback(TransitionRequest.active());
        assertThat(db.definition("public.items")).isEqualTo(items);
        assertThat(db.definition("public.users")).isEqualTo(users);
        assertThat(db.rowChecksum("public.items")).isEqualTo(rows);
        assertThat(db.value("SELECT count(*) FROM pg_class WHERE relname = 'notes'"))
                .isEqualTo("0");
    }

    @Test
    void shouldCreateForeignKeysWithTheirActionsInEveryForm() {
        Engine engine = db.engine();
        engine.start(keys());
        engine.complete(TransitionRequest.active());

        assertThat(keys("notes"))
                .containsExactly(List.of(
                        "notes_user_id_fkey",
                        "FOREIGN KEY (user_id) REFERENCES users(id) ON UPDATE SET NULL ON DELETE CASCADE"));
        assertThat(keys("items"))
                .containsExactly(
                        List.of(
                                "items_buyer_id_fkey",
                                "FOREIGN KEY (buyer_id) REFERENCES users(id) ON DELETE SET DEFAULT"),
                        List.of(
                                "items_maker_id_fkey",
                                "FOREIGN KEY (maker_id) REFERENCES users(id) ON DELETE SET NULL"),
                        List.of(
                                "items_owner_fkey",
                                "FOREIGN KEY (owner_id) REFERENCES users(id) ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED"));
        db.exec("INSERT INTO notes VALUES (1, 3); UPDATE items SET maker_id = 3 WHERE id = 1;"
                + " UPDATE items SET owner_id = 4, buyer_id = NULL WHERE owner_id = 3; DELETE FROM users WHERE id = 3");
        assertThat(db.value("SELECT count(*) FROM notes")).isEqualTo("0");
        assertThat(db.value("SELECT maker_id IS NULL FROM items WHERE id = 1")).isEqualTo("t");
    }
}
