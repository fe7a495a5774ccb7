package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Migration;
import dev.tandem.core.Phase;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class SplitNameLifecycleIT {
    EmbeddedPostgres.Database database;
    TestDb db;

    static final String OPS = """
              - add_column:
                  table: customers
                  column: { name: first_name, type: text, nullable: true }
                  up: split_part(name, ' ', 1)
              - add_column:
                  table: customers
                  column: { name: last_name, type: text, nullable: true }
                  up: substr(name, length(split_part(name, ' ', 1)) + 2)
              - drop_column: { table: customers, column: name, down: "first_name || ' ' || last_name" }
              - alter_column: { table: customers, column: id, type: bigint, up: id::bigint, down: id::int }
              - rename_column: { table: customers, from: email, to: email_address }
            """;
    static final String DEPRECATIONS = """
              - { field: customers.name, sunset: 2020-01-01 }
              - { field: customers.email, sunset: 2020-01-01 }
            """;

    @BeforeEach
    void setUp() {
        db = new TestDb(database);
        db.exec("""
                CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE);
                INSERT INTO customers (name, email) SELECT 'First' || g || ' Last' || g, 'c' || g || '@example.com' FROM generate_series(1, 5000) g;
                ANALYZE customers;
                """);
    }

    private Migration migration() {
        return TestDb.migration("0001_split", OPS, DEPRECATIONS);
    }

    /**
     * Old writers insert and update by name; new writers by first and last name; each sees the other.
     * Half the old writes run during the backfill; the rest run with the new writer once the new shape
     * is served.
     */
    private void writeThroughBothShapes(CompletableFuture<MigrationStatus> backfill) throws Exception {
        oldWriter(0, 100).join();
        assertThat(backfill.join().phase()).isEqualTo(Phase.BACKFILLED);
        CompletableFuture<Void> oldWriter = oldWriter(100, 200);
        CompletableFuture<Void> newWriter = CompletableFuture.runAsync(
                () -> {
                    try (Connection c = db.newShape("0001_split");
                            Statement s = c.createStatement()) {
                        for (int i = 0; i < 200; i++) {
                            s.execute("INSERT INTO customers (first_name, last_name, email_address) VALUES ('New" + i
                                    + "', 'Writer', 'new" + i + "@x')");
                            // By a column the new shape shares with the old.
                            s.execute("UPDATE customers SET first_name = 'Mary Ann', last_name = 'Smith" + i
                                    + "' WHERE email_address = 'c" + (1000 + i) + "@example.com'");
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                },
                TestDb.THREADS);
        CompletableFuture.allOf(oldWriter, newWriter).join();
    }

    private CompletableFuture<Void> oldWriter(int from, int to) {
        return CompletableFuture.runAsync(
                () -> {
                    try (Connection c = db.old();
                            Statement s = c.createStatement()) {
                        for (int i = from; i < to; i++) {
                            s.execute("INSERT INTO customers (name, email) VALUES ('Old" + i + " Writer', 'old" + i
                                    + "@x')");
                            s.execute("UPDATE customers SET name = 'Renamed" + i + " Person' WHERE id = " + (i + 1));
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                },
                TestDb.THREADS);
    }

    @Test
    void shouldServeBothShapesAtOnceAndCompleteIntoTheNewShape() throws Exception {
        Engine engine = db.engine(EngineOptions.builder().backfill(false).build());
        engine.start(migration());
        CompletableFuture<MigrationStatus> backfill =
                CompletableFuture.supplyAsync(() -> engine.backfill(null), TestDb.THREADS);
        writeThroughBothShapes(backfill);

        try (Connection n = db.newShape("0001_split")) {
            assertThat(TestDb.rows(n, "SELECT first_name, last_name FROM customers WHERE email_address = 'old7@x'"))
                    .containsExactly(List.of("Old7", "Writer"));
            assertThat(TestDb.rows(n, "SELECT first_name, last_name FROM customers WHERE id = 8"))
                    .containsExactly(List.of("Renamed7", "Person"));
            assertThat(TestDb.rows(n, "SELECT first_name, last_name FROM customers WHERE id = 1007"))
                    .containsExactly(List.of("Mary Ann", "Smith7"));
            assertThat(TestDb.rows(n, "SELECT count(*) FROM customers WHERE first_name IS NULL"))
                    .containsExactly(List.of("0"));
        }
        assertThat(db.rows("SELECT name FROM customers WHERE email = 'new7@x'"))
                .containsExactly(List.of("New7 Writer"));
        assertThat(db.rows("SELECT name FROM customers WHERE id = 1007")).containsExactly(List.of("Mary Ann Smith7"));

        engine.complete(TransitionRequest.active());

        // A copied column keeps its data, type, default, key and sequence; only its position is last.
        assertThat(db.definition("public.customers"))
                .containsPattern("column \\d+ id bigint true nextval\\('customers_id_seq'::regclass\\)")
                .contains("constraint customers_pkey PRIMARY KEY (id)")
                .contains("constraint customers_email_key UNIQUE (email_address)")
                .doesNotContain(" name ")
                .doesNotContain("_tandem");
        assertThat(db.rows("SELECT first_name, last_name FROM customers WHERE id = 1007"))
                .containsExactly(List.of("Mary Ann", "Smith7"));
        assertThat(db.rows("SELECT count(*) FROM customers")).containsExactly(List.of("5400"));
        assertThat(db.value("SELECT count(*) FROM customers WHERE first_name || ' ' || last_name IS NULL"))
                .isEqualTo("0");
        assertThat(db.value("SELECT count(*) FROM pg_namespace WHERE nspname = 'public_0001_split'"))
                .isEqualTo("0");
        db.exec("INSERT INTO customers (first_name, last_name) VALUES ('After', 'Complete')");
        assertThat(engine.status("0001_split").orElseThrow().phase()).isEqualTo(Phase.COMPLETE);
    }

    @Test
    void shouldRollBackToTheOldTableExactlyWithEveryWriteKept() throws Exception {
        String definitionBefore = db.definition("public.customers");
        Engine engine = db.engine(EngineOptions.builder().backfill(false).build());
        engine.start(migration());
        CompletableFuture<MigrationStatus> backfill =
                CompletableFuture.supplyAsync(() -> engine.backfill(null), TestDb.THREADS);
        writeThroughBothShapes(backfill);
        engine.rollback(TransitionRequest.active());

        assertThat(db.definition("public.customers")).isEqualTo(definitionBefore);
        // The same writes, made on a table that never saw the migration, give the same rows.
        TestDb control = new TestDb(EmbeddedPostgres.newDatabase());
        control.exec("""
                CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE);
                INSERT INTO customers (name, email) SELECT 'First' || g || ' Last' || g, 'c' || g || '@example.com' FROM generate_series(1, 5000) g;
                """);
        assertThat(db.value("SELECT count(*) FROM customers")).isEqualTo("5400");
        assertThat(db.rows("SELECT name, email FROM customers WHERE id = 1007"))
                .containsExactly(List.of("Mary Ann Smith7", "c1007@example.com"));
        assertThat(db.value("SELECT count(*) FROM customers WHERE name IS NULL"))
                .isEqualTo("0");
        assertThat(db.value("SELECT count(*) FROM pg_namespace WHERE nspname = 'public_0001_split'"))
                .isEqualTo("0");
        assertThat(engine.status("0001_split").orElseThrow().phase()).isEqualTo(Phase.ROLLED_BACK);
    }
}
