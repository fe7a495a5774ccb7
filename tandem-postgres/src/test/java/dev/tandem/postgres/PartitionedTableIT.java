package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A migration of a partitioned table: the sync triggers on the parent fire for the rows of every
 * partition, the backfill walks the parent's primary key, and both shapes see every write made through
 * the parent and through the new shape's view. What PostgreSQL cannot do on a partitioned table or a
 * partition is refused at start, so no migration is left stuck after its backfill.
 */
class PartitionedTableIT extends LifecycleFixture {
    static final String ID = "0001_order_label";

    /** Rows 1..3000 across three range partitions, one of them partitioned again. */
    static final String ORDERS = """
            CREATE TABLE orders (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL DEFAULT 0)
              PARTITION BY RANGE (id);
            CREATE TABLE orders_low PARTITION OF orders FOR VALUES FROM (MINVALUE) TO (1000);
            CREATE TABLE orders_mid PARTITION OF orders FOR VALUES FROM (1000) TO (2000) PARTITION BY HASH (id);
            CREATE TABLE orders_mid_0 PARTITION OF orders_mid FOR VALUES WITH (MODULUS 2, REMAINDER 0);
            CREATE TABLE orders_mid_1 PARTITION OF orders_mid FOR VALUES WITH (MODULUS 2, REMAINDER 1);
            CREATE TABLE orders_high PARTITION OF orders FOR VALUES FROM (2000) TO (MAXVALUE);
            INSERT INTO orders SELECT g, 'order' || g, g % 50 FROM generate_series(1, 3000) g;
            ANALYZE orders;
            """;

    static Migration migration() {
        return TestDb.migration(ID, """
                  - add_column:
                      table: orders
                      column: { name: label, type: text }
                      up: upper(name)
                """, null);
    }

    /** Through the parent: inserts into the top partition, updates of rows in the lowest. */
    static final Writes OLD = (s, i) -> {
        s.execute("INSERT INTO orders (id, name, qty) VALUES (" + (10000 + i) + ", 'old" + i + "', " + i + ")");
        s.execute("UPDATE orders SET name = 'old-upd" + i + "' WHERE id = " + (1 + i));
    };

    /** Through the version schema's view: inserts into the top partition, updates of rows in the middle ones. */
    static final Writes NEW = (s, i) -> {
        s.execute("INSERT INTO orders (id, name, qty, label) VALUES (" + (20000 + i) + ", 'new" + i + "', 3, 'L" + i
                + "')");
        s.execute("UPDATE orders SET label = 'U" + i + "', qty = 9 WHERE id = " + (1100 + i));
    };

    @BeforeEach
    void orders() {
        db.exec(ORDERS);
    }

    @Test
    void shouldKeepBothShapesOfAPartitionedTableInSyncThroughTheParentAndTheView() throws Exception {
        Engine engine = start(migration());
        backfillWhileWriting(engine, ID, OLD, NEW);

        assertThat(newShapeRows(ID, "SELECT name, label FROM orders WHERE id IN (8, 1500, 2500, 10007) ORDER BY id"))
                .containsExactly(
                        row("old-upd7", "OLD-UPD7"),
                        row("order1500", "ORDER1500"),
                        row("order2500", "ORDER2500"),
                        row("old7", "OLD7"));
        assertThat(newShapeRows(ID, "SELECT name, qty, label FROM orders WHERE id IN (1107, 20007) ORDER BY id"))
                .containsExactly(row("order1107", "9", "U7"), row("new7", "3", "L7"));
        assertThat(newShapeValue(ID, "SELECT count(*) FROM orders WHERE label IS NULL"))
                .isEqualTo("0");
        assertThat(db.rows("SELECT name, qty FROM orders WHERE id = 20007")).containsExactly(List.of("new7", "3"));
        assertThat(db.value("SELECT count(*) FROM orders")).isEqualTo(String.valueOf(3000 + 2 * WRITES));

        engine.complete(TransitionRequest.active());

        assertThat(db.definition("public.orders"))
                .contains("column 4 label text false ")
                .doesNotContain("_tandem");
        assertThat(db.definition("public.orders_mid_1")).doesNotContain("_tandem");
        assertNoTrace(ID, "public.orders");
        assertThat(db.value("SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%tandem%'"))
                .isEqualTo("0");
        assertThat(db.rows("SELECT label FROM orders WHERE id IN (1107, 2500, 10007, 20007) ORDER BY id"))
                .containsExactly(row("U7"), row("ORDER2500"), row("OLD7"), row("L7"));
    }

    @Test
    void shouldRollBackAPartitionedTableWithEveryWriteOfBothShapes() throws Exception {
        String before = db.definition("public.orders") + db.definition("public.orders_mid_1");
        Engine engine = start(migration());
        backfillWhileWriting(engine, ID, OLD, NEW);

        engine.rollback(TransitionRequest.active());

        assertThat(db.definition("public.orders") + db.definition("public.orders_mid_1"))
                .isEqualTo(before);
        assertNoTrace(ID, "public.orders");
        try (Connection c = db.old();
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA control; SET search_path = control");
            s.execute(ORDERS);
            for (int i = 0; i < WRITES; i++) {
                OLD.write(s, i);
                s.execute("INSERT INTO orders (id, name, qty) VALUES (" + (20000 + i) + ", 'new" + i + "', 3)");
                s.execute("UPDATE orders SET qty = 9 WHERE id = " + (1100 + i));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        assertThat(db.rowChecksum("public.orders")).isEqualTo(db.rowChecksum("control.orders"));
    }

    /** More of what partitioned tables hold, for the operations below. */
    static final String MORE = """
            ALTER TABLE orders ADD COLUMN note text, ADD COLUMN category_id int REFERENCES categories (id);
            UPDATE orders SET note = 'n' || id, category_id = 1 + id % 5;
            CREATE INDEX orders_name_idx ON orders (name);
            CREATE TABLE events (at timestamptz, kind text, n int)
              PARTITION BY RANGE ((date_trunc('day', at AT TIME ZONE 'UTC')));
            CREATE TABLE events_all PARTITION OF events DEFAULT;
            INSERT INTO events SELECT now() - g * interval '1 hour', 'k' || g, g FROM generate_series(1, 100) g;
            """;

    /**
     * One migration of a partitioned table or a partition: refused at start with a message that
     * contains {@code refusal}, or, when that is null, started, backfilled and completed.
     */
    record Case(String name, String setup, String operations, String deprecations, String refusal) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final String CONCURRENT = "is partitioned, and %s needs an index built concurrently, which PostgreSQL"
            + " cannot do on a partitioned table";
    static final String FOREIGN_KEY = "PostgreSQL before 18 cannot add a foreign key NOT VALID to a partitioned table";

    static List<Case> operations() {
        return List.of(
                new Case("create_index", null, """
                          - create_index: { table: orders, name: orders_qty_idx, columns: [qty] }
                        """, null, CONCURRENT.formatted("create_index")),
                new Case("add_column unique", null, """
                          - add_column: { table: orders, column: { name: code, type: text, unique: true }, up: "'c' || id" }
                        """, null, CONCURRENT.formatted("a unique column")),
                new Case(
                        "alter_column of an indexed column",
                        null,
                        """
                          - alter_column: { table: orders, column: name, type: "varchar(100)", up: "name::varchar(100)", down: "name::text" }
                        """,
                        null,
                        CONCURRENT.formatted(
                                "the copy of column name (its index orders_name_idx is rebuilt on the copy)")),
                new Case(
                        "alter_column of the partition key",
                        null,
                        """
                          - alter_column: { table: orders, column: id, type: bigint, up: "id::bigint", down: "id::int" }
                        """,
                        null,
                        "column public.orders.id is part of the partition key of public.orders, and this"
                                + " migration replaces it with a changed copy at complete; PostgreSQL cannot drop a"
                                + " partition key column, so complete would fail"),
                new Case("create_constraint unique", null, """
                          - create_constraint: { table: orders, name: orders_id_qty_key, type: unique, columns: [id, qty] }
                        """, null, CONCURRENT.formatted("a unique constraint")),
                new Case("create_constraint foreign_key", null, """
                          - create_constraint:
                              table: orders
                              name: orders_qty_fkey
                              type: foreign_key
                              columns: [qty]
                              references: { table: categories, columns: [id] }
                        """, null, FOREIGN_KEY),
                new Case("add_column references", null, """
                          - add_column:
                              table: orders
                              column: { name: category_ref, type: int, references: { table: categories, column: id } }
                              up: category_id
                        """, null, FOREIGN_KEY),
                new Case("alter_column of a column with a foreign key", null, """
                          - alter_column: { table: orders, column: category_id, type: bigint, up: "category_id::bigint", down: "category_id::int" }
                        """, null, FOREIGN_KEY),
                new Case(
                        "drop_index of a partitioned index",
                        null,
                        """
                          - drop_index: { name: orders_name_idx }
                        """,
                        null,
                        "index public.orders_name_idx is on a partitioned table, and PostgreSQL cannot drop"
                                + " it concurrently, so complete would fail"),
                new Case(
                        "drop_index of a partition of an index",
                        null,
                        """
                          - drop_index: { name: orders_low_name_idx }
                        """,
                        null,
                        "index public.orders_low_name_idx is a partition of index public.orders_name_idx"
                                + " and cannot be dropped alone"),
                new Case(
                        "add_column to a partition",
                        null,
                        """
                          - add_column: { table: orders_low, column: { name: extra, type: text } }
                        """,
                        null,
                        "table public.orders_low is a partition of public.orders, and a partition's columns"
                                + " are its partitioned table's: change public.orders instead"),
                new Case(
                        "drop_column of a partition",
                        null,
                        """
                          - drop_column: { table: orders_high, column: note }
                        """,
                        "  - { field: orders_high.note, sunset: 2020-01-01 }\n",
                        "is a partition of public.orders"),
                new Case(
                        "rename_column of a partition of a partition",
                        null,
                        """
                          - rename_column: { table: orders_mid_0, from: note, to: remark }
                        """,
                        "  - { field: orders_mid_0.note, sunset: 2020-01-01 }\n",
                        "table public.orders_mid_0 is a" + " partition of public.orders"),
                new Case(
                        "drop_column of a column in a partition key expression",
                        null,
                        """
                          - drop_column: { table: events, column: at }
                        """,
                        "  - { field: events.at, sunset: 2020-01-01 }\n",
                        "column public.events.at is part of the"
                                + " partition key of public.events, and this migration drops it"),
                new Case(
                        "drop_column that a view on a partition reads",
                        "CREATE VIEW low_notes AS SELECT note FROM orders_low",
                        """
                          - drop_column: { table: orders, column: note }
                        """,
                        "  - { field: orders.note, sunset: 2020-01-01 }\n",
                        "view public.low_notes depends on" + " public.orders.note, which this migration drops"),
                new Case("add_column not null with a default", null, """
                          - add_column: { table: orders, column: { name: status, type: text, nullable: false, default: "'new'" } }
                        """, null, null),
                new Case("alter_column type of a column without an index", null, """
                          - alter_column: { table: orders, column: qty, type: bigint, up: "qty::bigint", down: "qty::int" }
                        """, null, null),
                new Case("alter_column not null", null, """
                          - alter_column: { table: orders, column: note, nullable: false, up: "coalesce(note, '')", down: note }
                        """, null, null),
                new Case("create_constraint check with up", null, """
                          - create_constraint:
                              table: orders
                              name: orders_qty_small
                              type: check
                              check: "qty < 1000"
                              columns: [qty]
                              up: { qty: "least(qty, 999)" }
                              down: { qty: qty }
                        """, null, null),
                new Case("drop_column with down", null, """
                          - drop_column: { table: orders, column: note, down: "'n' || id" }
                        """, "  - { field: orders.note, sunset: 2020-01-01 }\n", null),
                new Case("rename_column", null, """
                          - rename_column: { table: orders, from: note, to: remark }
                        """, "  - { field: orders.note, sunset: 2020-01-01 }\n", null),
                new Case("rename_table", null, """
                          - rename_table: { from: orders, to: purchases }
                        """, "  - { field: orders, sunset: 2020-01-01 }\n", null),
                new Case("drop_table", null, """
                          - drop_table: { name: events }
                        """, "  - { field: events, sunset: 2020-01-01 }\n", null),
                new Case(
                        "drop_column of a table without a primary key",
                        null,
                        """
                          - drop_column: { table: events, column: kind }
                        """,
                        "  - { field: events.kind, sunset: 2020-01-01 }\n",
                        null),
                new Case("create_index on a partition", null, """
                          - create_index: { table: orders_low, name: orders_low_qty_idx, columns: [qty] }
                        """, null, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("operations")
    void shouldRefuseAtStartWhatCannotFinishOnAPartitionedTableAndFinishTheRest(Case c) {
        db.exec(MORE);
        if (c.setup() != null) {
            db.exec(c.setup());
        }
        Migration m = TestDb.migration("0002_partitioned", c.operations(), c.deprecations());
        Engine engine = db.engine();
        if (c.refusal() == null) {
            assertThat(engine.start(m).phase()).isEqualTo(Phase.BACKFILLED);
            assertThat(engine.complete(TransitionRequest.active()).phase()).isEqualTo(Phase.COMPLETE);
            return;
        }
        String before = CatalogSnapshot.of(db, "public.orders", "public.events");
        for (Runnable attempt : List.<Runnable>of(() -> engine.plan(m), () -> engine.start(m))) {
            assertThatThrownBy(attempt::run).isInstanceOfSatisfying(TandemException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.SCHEMA_MISMATCH);
                assertThat(e.problems())
                        .singleElement()
                        .satisfies(p -> assertThat(p.location())
                                .isEqualTo(m.operations().getFirst().location()))
                        .satisfies(p -> assertThat(p.message()).contains(c.refusal()));
            });
        }
        assertThat(CatalogSnapshot.of(db, "public.orders", "public.events")).isEqualTo(before);
    }
}
