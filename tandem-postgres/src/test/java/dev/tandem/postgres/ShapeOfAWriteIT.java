package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.Migration;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A write is a new-shape write when it is made through the new shape's view, and an old-shape write
 * when it is made on the table, whatever the writer's search_path, role or session settings; and
 * both shapes see every write.
 */
@ExtendWith(PostgresExtension.class)
class ShapeOfAWriteIT {
    static final String ID = "0001_qty_bigint";
    static final String VS = "public_" + ID;

    EmbeddedPostgres.Database database;
    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(database);
        db.exec("""
                CREATE TABLE items (id bigserial PRIMARY KEY, qty int, note text);
                INSERT INTO items (qty, note) SELECT g, 'n' || g FROM generate_series(1, 100) g;
                """);
    }

    static Migration widenQty() {
        return TestDb.migration(ID, """
                  - alter_column: { table: items, column: qty, type: bigint, up: "qty::bigint", down: "qty::int" }
                """, null);
    }

    /** Both shapes of row {@code id}: the table's qty and the view's qty. */
    private List<String> bothShapes(long id) {
        return List.of(
                String.valueOf(db.value("SELECT qty FROM public.items WHERE id = " + id)),
                String.valueOf(db.value("SELECT qty FROM " + VS + ".items WHERE id = " + id)));
    }

    @Test
    void shouldTreatAWriteThroughTheViewAsANewShapeWriteWhateverTheSearchPath() throws SQLException {
        db.engine().start(widenQty());
        db.exec("CREATE SCHEMA postgres"); // an existing "$user" schema, ahead of everything on the default path
        db.exec("CREATE FUNCTION public.write_new(q int) RETURNS bigint LANGUAGE sql SET search_path = pg_catalog AS"
                + " $$ INSERT INTO " + VS + ".items (qty, note) VALUES (q, 'fn') RETURNING id $$");
        List<String> paths =
                List.of("DEFAULT", "public", "public, " + VS, "\"$user\", " + VS + ", public", "pg_catalog");
        int qty = 1000;
        for (String path : paths) {
            try (Connection c = db.old();
                    Statement s = c.createStatement()) {
                s.execute("SET search_path = " + path);
                long inserted = Long.parseLong(TestDb.rows(
                                c,
                                "INSERT INTO " + VS + ".items (qty, note) VALUES (" + ++qty
                                        + ", 'qualified') RETURNING id")
                        .getFirst()
                        .getFirst());
                assertThat(bothShapes(inserted))
                        .as("insert, search_path " + path)
                        .containsOnly(String.valueOf(qty));
                s.execute("UPDATE " + VS + ".items SET qty = " + ++qty + " WHERE id = " + inserted);
                assertThat(bothShapes(inserted))
                        .as("update, search_path " + path)
                        .containsOnly(String.valueOf(qty));
                long viaFunction = Long.parseLong(TestDb.rows(c, "SELECT public.write_new(" + ++qty + ")")
                        .getFirst()
                        .getFirst());
                assertThat(bothShapes(viaFunction))
                        .as("function, search_path " + path)
                        .containsOnly(String.valueOf(qty));
            }
        }
    }

    @Test
    void shouldTreatAWriteToTheTableAsAnOldShapeWriteEvenWithTheVersionSchemaFirst() throws SQLException {
        db.engine().start(widenQty());
        try (Connection c = db.newShape(ID);
                Statement s = c.createStatement()) {
            s.execute("INSERT INTO public.items (qty, note) VALUES (7777, 'old')");
            s.execute("UPDATE public.items SET qty = 78 WHERE id = 5");
        }
        assertThat(bothShapes(5)).containsOnly("78");
        assertThat(db.value("SELECT count(*) FROM " + VS + ".items WHERE qty = 7777"))
                .isEqualTo("1");
    }

    @Test
    void shouldNeverLoseAnIncrementFromConcurrentWritersOfBothShapesOnTheSameRows() throws Exception {
        db.engine().start(widenQty());
        db.exec("UPDATE items SET qty = 0 WHERE id <= 3");
        int writers = 4;
        int increments = 150;
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Integer>> all = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            boolean newShape = w % 2 == 0;
            all.add(CompletableFuture.supplyAsync(
                    () -> {
                        int retries = 0;
                        try (Connection c = newShape ? db.newShape(ID) : db.old();
                                Statement s = c.createStatement()) {
                            go.await(10, TimeUnit.SECONDS);
                            for (int i = 0; i < increments; i++) {
                                while (true) {
                                    try {
                                        s.execute("UPDATE items SET qty = qty + 1 WHERE id = " + (1 + i % 3));
                                        break;
                                    } catch (SQLException e) {
                                        // A new-shape write of a row changed meanwhile asks to be retried.
                                        assertThat(e.getSQLState()).isEqualTo("40001");
                                        retries++;
                                    }
                                }
                            }
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        return retries;
                    },
                    TestDb.THREADS));
        }
        go.countDown();
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
        assertThat(db.value("SELECT sum(qty) FROM public.items WHERE id <= 3"))
                .isEqualTo(String.valueOf(writers * increments));
        assertThat(db.value("SELECT count(*) FROM public.items i JOIN " + VS
                        + ".items v USING (id) WHERE i.qty::bigint IS DISTINCT FROM v.qty"))
                .isEqualTo("0");
    }

    @Test
    void shouldRefuseAnUpsertThroughTheNewShapeAndChangeNothing() throws SQLException {
        db.engine().start(widenQty());
        String before = db.rowChecksum("public.items");
        try (Connection c = db.newShape(ID);
                Statement s = c.createStatement()) {
            for (String upsert : List.of(
                    "INSERT INTO items (id, qty, note) VALUES (5, 1, 'x') ON CONFLICT (id) DO UPDATE SET qty = 2",
                    "INSERT INTO items (id, qty, note) VALUES (5, 1, 'x') ON CONFLICT DO NOTHING")) {
                assertThatThrownBy(() -> s.execute(upsert)).as(upsert).isInstanceOf(SQLException.class);
            }
        }
        assertThat(db.rowChecksum("public.items")).isEqualTo(before);
    }

    @Test
    void shouldRefuseReplicaModeWritesThroughTheNewShapeBeforeItIsServed() throws SQLException {
        db.engine(EngineOptions.builder().backfill(false).build()).start(widenQty());
        try (Connection c = db.newShape(ID);
                Statement s = c.createStatement()) {
            s.execute("SET session_replication_role = replica");
            assertThatThrownBy(() -> s.execute("INSERT INTO items (qty, note) VALUES (1, 'early')"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("55000"));
        }
    }

    @Test
    void shouldSyncTheRowAsTheTablesOwnTriggersLeaveIt() {
        db.exec("""
                CREATE TABLE users (id int PRIMARY KEY, email text);
                INSERT INTO users VALUES (1, 'First@Example.com');
                CREATE FUNCTION lower_email() RETURNS trigger LANGUAGE plpgsql AS
                  $$ BEGIN NEW.email := lower(NEW.email); RETURN NEW; END $$;
                CREATE TRIGGER a_lower_email BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION lower_email();
                CREATE TRIGGER zzz_lower_email BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION lower_email();
                """);
        db.engine().start(TestDb.migration("0002_email", """
                  - alter_column: { table: users, column: email, type: varchar(320), up: email, down: email }
                """, null));
        db.exec("INSERT INTO users VALUES (2, 'Second@Example.COM')");
        db.exec("UPDATE users SET email = 'Third@Example.com' WHERE id = 1");
        assertThat(db.rows("SELECT id, email FROM public_0002_email.users ORDER BY id"))
                .containsExactly(List.of("1", "third@example.com"), List.of("2", "second@example.com"));
        assertThat(db.rows("SELECT id, email FROM public.users ORDER BY id"))
                .containsExactly(List.of("1", "third@example.com"), List.of("2", "second@example.com"));
    }

    @Test
    void shouldKeepBothShapesEqualForReplicaModeWriters() throws SQLException {
        db.engine().start(widenQty());
        for (String shape : List.of("old", "new")) {
            try (Connection c = shape.equals("old") ? db.old() : db.newShape(ID);
                    Statement s = c.createStatement()) {
                s.execute("SET session_replication_role = replica");
                s.execute("UPDATE items SET qty = " + (shape.equals("old") ? 500 : 600) + " + id WHERE id <= 10");
                s.execute("INSERT INTO items (id, qty, note) VALUES (1000 + " + (shape.equals("old") ? 1 : 2)
                        + ", 4242, 'replica " + shape + "')");
            }
            assertThat(bothShapes(7)).as(shape).containsOnly(shape.equals("old") ? "507" : "607");
            assertThat(bothShapes(shape.equals("old") ? 1001 : 1002)).as(shape).containsOnly("4242");
        }
        db.engine().complete(TransitionRequest.active());
        assertThat(db.value("SELECT qty FROM items WHERE id = 7")).isEqualTo("607");
        assertThat(db.value("SELECT count(*) FROM items WHERE qty = 4242")).isEqualTo("2");
    }

    @Test
    void shouldQuoteTheOwnersExpressionsSoThatNoneCanEndTheFunctionBody() {
        db.engine().start(TestDb.migration("0003_marker", """
                  - add_column: { table: items, column: { name: tagged, type: text }, up: "note || '$tandem$'" }
                """, null));
        db.exec("INSERT INTO items (qty, note) VALUES (1, 'x')");
        assertThat(db.value("SELECT tagged FROM items WHERE note = 'x'")).isEqualTo("x$tandem$");
        assertThat(db.value("SELECT tagged FROM items WHERE id = 1")).isEqualTo("n1$tandem$");
    }

    @Test
    void shouldApplyRowLevelSecurityAndPrivilegesThroughTheNewShape() throws SQLException {
        // Roles belong to the whole server, which other tests share: name them after this database.
        String app = database.name() + "_app";
        String stranger = database.name() + "_stranger";
        db.exec("""
                CREATE ROLE %1$s LOGIN;
                CREATE ROLE %2$s LOGIN;
                ALTER TABLE items ADD COLUMN tenant text NOT NULL DEFAULT 'a';
                UPDATE items SET tenant = 'b' WHERE id > 50;
                ALTER TABLE items ENABLE ROW LEVEL SECURITY;
                CREATE POLICY own_rows ON items USING (tenant = current_setting('app.tenant'));
                GRANT SELECT, INSERT, UPDATE ON items TO %1$s;
                GRANT USAGE ON SEQUENCE items_id_seq TO %1$s;
                """.formatted(app, stranger));
        db.engine().start(widenQty());
        try (Connection c = db.newShape(ID);
                Statement s = c.createStatement()) {
            s.execute("SET ROLE " + app);
            s.execute("SET app.tenant = 'a'");
            assertThat(TestDb.rows(c, "SELECT count(*), max(id) FROM items")).containsExactly(List.of("50", "50"));
            s.execute("UPDATE items SET qty = -1");
            s.execute("UPDATE " + VS + ".items SET qty = -2 WHERE id = 75");
            s.execute("INSERT INTO items (qty, note) VALUES (3, 'mine')");
            assertThatThrownBy(() -> s.execute("INSERT INTO items (qty, note, tenant) VALUES (3, 'theirs', 'b')"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            assertThatThrownBy(() -> s.execute("DELETE FROM items WHERE id = 1"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
        }
        assertThat(db.value("SELECT count(*) FROM items WHERE qty < 0 AND tenant = 'b'"))
                .isEqualTo("0");
        assertThat(db.value("SELECT count(*) FROM items WHERE qty = -1 AND tenant = 'a'"))
                .isEqualTo("50");
        assertThat(db.value("SELECT count(*) FROM " + VS + ".items WHERE qty = -1"))
                .isEqualTo("50");
        try (Connection c = db.newShape(ID);
                Statement s = c.createStatement()) {
            s.execute("SET ROLE " + stranger);
            // No silent fall-through to the old shape: the view refuses as the table would.
            assertThatThrownBy(() -> s.execute("SELECT * FROM items")).isInstanceOfSatisfying(SQLException.class, e -> {
                assertThat(e.getSQLState()).isEqualTo("42501");
                assertThat(e.getMessage()).contains("view items");
            });
        }
    }
}
