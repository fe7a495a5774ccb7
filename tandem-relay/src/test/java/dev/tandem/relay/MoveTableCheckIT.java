package dev.tandem.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.MigrationFiles;
import dev.tandem.core.Operation.MoveTable;
import dev.tandem.core.Problem;
import dev.tandem.testkit.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A move checked against two real stores: a move that fits both passes, and each way it can fail is
 * reported at the operation's place in the file, with neither store changed.
 */
class MoveTableCheckIT {
    /** The source store: the orders service's database. */
    EmbeddedPostgres.Database orders;

    /** The target store: the billing service's database. */
    EmbeddedPostgres.Database billing;

    String before;

    @BeforeEach
    void setUp() {
        orders = EmbeddedPostgres.newDatabase();
        billing = EmbeddedPostgres.newDatabase();
        exec(orders, """
                CREATE TABLE orders (
                  id bigint PRIMARY KEY,
                  customer_id bigint NOT NULL,
                  total numeric(12, 2) NOT NULL,
                  note text,
                  total_with_tax numeric GENERATED ALWAYS AS (total * 1.2) STORED
                );
                INSERT INTO orders (id, customer_id, total, note) VALUES (1, 10, 9.99, 'first'), (2, 10, 1.50, NULL);
                """);
        exec(billing, """
                CREATE TABLE invoices (
                  id bigint PRIMARY KEY,
                  customer_id bigint NOT NULL,
                  total_cents bigint NOT NULL,
                  note text,
                  created_at timestamptz NOT NULL DEFAULT now()
                );
                INSERT INTO invoices (id, customer_id, total_cents) VALUES (100, 1, 1);
                CREATE SCHEMA ledger;
                CREATE TABLE ledger.invoices (LIKE invoices INCLUDING ALL);
                """);
        before = fingerprint();
    }

    @AfterEach
    void shouldChangeNothingOnEitherStore() {
        assertThat(fingerprint()).isEqualTo(before);
    }

    static MoveTable move(String fields) {
        return (MoveTable) MigrationFiles.parse("0007_move_orders.yaml", """
                        service: orders
                        owner: team-orders
                        rationale: billing owns invoices now
                        operations:
                          - move_table:
                        %s""".formatted(fields.indent(6)))
                .operations()
                .getFirst();
    }

    static final String TO = "to: { store: billing, table: invoices }\n";

    List<String> check(MoveTable move) {
        return MoveTableCheck.check(move, orders.dataSource(), "public", billing.dataSource()).stream()
                .map(Problem::toString)
                .toList();
    }

    @Test
    void shouldPassAMoveThatFitsBothStores() {
        assertThat(check(move("""
                        table: orders
                        key: [id]
                        to: { store: billing, table: invoices }
                        columns: { id: id, customer_id: customer_id, total_cents: "(total * 100)::bigint", note: note }
                        reverse: { total: "total_cents / 100.0" }
                        """))).isEmpty();
    }

    @Test
    void shouldCheckATargetTableInAnotherSchema() {
        String fields = """
                table: orders
                key: [id]
                to: { store: billing, table: %s }
                columns: { id: id, customer_id: customer_id, total_cents: "(total * 100)::bigint", note: note }
                reverse: { total: "total_cents / 100.0" }
                """;
        assertThat(check(move(fields.formatted("ledger.invoices")))).isEmpty();
        assertThat(check(move(fields.formatted("ledger.invoice"))))
                .containsExactly("0007_move_orders.yaml:5:5: target table ledger.invoice does not exist in store"
                        + " billing; create it with the billing service's own migration (a create_table) before the"
                        + " move");
    }

    @Test
    void shouldReportMissingTablesInTheirStores() {
        assertThat(check(move("table: order\nkey: [id]\nto: { store: billing, table: invoice }\ncolumns: { id: id }")))
                .containsExactly(
                        "0007_move_orders.yaml:5:5: source table public.order does not exist; move_table moves a"
                                + " table of this store",
                        "0007_move_orders.yaml:5:5: target table public.invoice does not exist in store billing;"
                                + " create it with the billing service's own migration (a create_table) before the"
                                + " move");
    }

    @Test
    void shouldReportAKeyThatIdentifiesNoRowOnEitherSide() {
        exec(billing, "ALTER TABLE invoices DROP CONSTRAINT invoices_pkey");
        before = fingerprint();

        assertThat(check(move(TO + """
                        table: orders
                        key: [customer_id]
                        columns: { id: id, customer_id: customer_id, total_cents: "(total * 100)::bigint", note: note }
                        reverse: { total: "total_cents / 100.0" }
                        """)))
                .containsExactly(
                        "0007_move_orders.yaml:5:5: key (customer_id) does not identify a row of source table"
                                + " public.orders: it is neither its primary key (id) nor a unique index over NOT"
                                + " NULL columns. Give the primary key's columns as 'key', or add a unique index"
                                + " over the key's columns first",
                        "0007_move_orders.yaml:5:5: key (customer_id) is not unique in table public.invoices in"
                                + " store billing: the relay applies each change by key, so the target needs a"
                                + " primary key or a unique index over exactly (customer_id); add one in the billing"
                                + " service's migration");
    }

    @Test
    void shouldAcceptAUniqueIndexOverNotNullColumnsAsTheKey() {
        exec(
                orders,
                "CREATE TABLE orders_by_code (code text NOT NULL, n int); CREATE UNIQUE INDEX ON orders_by_code (code)");
        exec(billing, "CREATE TABLE codes (code text, n int); CREATE UNIQUE INDEX ON codes (code)");
        before = fingerprint();

        assertThat(check(move("""
                        table: orders_by_code
                        key: [code]
                        to: { store: billing, table: codes }
                        columns: { code: code, n: n }
                        """))).isEmpty();
    }

    @Test
    void shouldReportTargetColumnsThatAreMissingGeneratedOrRequiredButUnmapped() {
        exec(billing, """
                ALTER TABLE invoices ADD COLUMN status text NOT NULL DEFAULT 'open';
                ALTER TABLE invoices ALTER COLUMN status DROP DEFAULT;
                ALTER TABLE invoices ADD COLUMN cents_x2 bigint GENERATED ALWAYS AS (total_cents * 2) STORED;
                """);
        before = fingerprint();

        assertThat(check(move(TO + """
                        table: orders
                        key: [id]
                        columns: { id: id, customer_id: customer_id, total_cents: "(total * 100)::bigint", notes: note, cents_x2: 1 }
                        reverse: { total: "total_cents / 100.0", note: "NULL" }
                        """)))
                .containsExactly(
                        "0007_move_orders.yaml:5:5: column invoices.notes does not exist in table public.invoices in"
                                + " store billing; map only its columns (id, customer_id, total_cents, note,"
                                + " created_at, status, cents_x2)",
                        "0007_move_orders.yaml:5:5: column invoices.cents_x2 of table public.invoices in store"
                                + " billing is generated and cannot be written; remove it from 'columns'",
                        "0007_move_orders.yaml:5:5: column invoices.status of table public.invoices in store billing"
                                + " is NOT NULL without a default, and 'columns' does not map it: every row copied"
                                + " there would be refused; map it in 'columns', or give it a default in the billing"
                                + " service's migration");
    }

    @Test
    void shouldReportColumnsExpressionsThatDoNotFitTheirTargetColumn() {
        assertThat(check(move(TO + """
                        table: orders
                        key: [id]
                        columns: { id: id, customer_id: "customer_id > 0", total_cents: "(totl * 100)::bigint", note: note }
                        reverse: { total: "total_cents / 100.0" }
                        """)))
                .containsExactly(
                        "0007_move_orders.yaml:5:5: 'columns.customer_id' does not fit column invoices.customer_id"
                                + " (bigint) of table public.invoices in store billing, planned over source table"
                                + " public.orders: cannot cast type boolean to bigint",
                        "0007_move_orders.yaml:5:5: 'columns.total_cents' does not fit column invoices.total_cents"
                                + " (bigint) of table public.invoices in store billing, planned over source table"
                                + " public.orders: column \"totl\" does not exist",
                        // customer_id is no longer copied by name, so it needs a way back
                        "0007_move_orders.yaml:5:5: column orders.customer_id of source table public.orders is not"
                                + " mapped by name in 'columns' and has no 'reverse' entry: after cutover the source"
                                + " would not be fed it, so cutover back (revert) would not be possible; add reverse:"
                                + " { customer_id: <expression over invoices> }, or NULL to leave it empty");
    }

    @Test
    void shouldCheckATargetTypeOfTheTargetStoresOwnThere() {
        exec(billing, """
                CREATE TYPE invoice_state AS ENUM ('open', 'paid');
                ALTER TABLE invoices ADD COLUMN state invoice_state, ADD COLUMN state2 invoice_state;
                """);
        before = fingerprint();

        assertThat(check(move(TO + """
                        table: orders
                        key: [id]
                        columns: { id: id, customer_id: customer_id, total_cents: "(total * 100)::bigint", note: note, state: "'open'", state2: total }
                        reverse: { total: "total_cents / 100.0" }
                        """)))
                .containsExactly("0007_move_orders.yaml:5:5: 'columns.state2' does not fit column invoices.state2"
                        + " (invoice_state) of table public.invoices in store billing, planned over source table"
                        + " public.orders: cannot cast type numeric to invoice_state");
    }

    @Test
    void shouldRequireAWayBackForEverySourceColumnThatFitsIt() {
        exec(orders, "ALTER TABLE orders ADD COLUMN fee int");
        exec(billing, "ALTER TABLE invoices ADD COLUMN fee money");
        before = fingerprint();

        assertThat(check(move(TO + """
                        table: orders
                        key: [id]
                        columns: { id: id, customer_id: customer_id, total_cents: "(total * 100)::bigint", fee: fee }
                        reverse: { totl: "total_cents / 100.0", total_with_tax: "0", total: created_at }
                        """)))
                .containsExactly(
                        "0007_move_orders.yaml:5:5: 'reverse.totl' names column orders.totl, which source table"
                                + " public.orders does not have",
                        "0007_move_orders.yaml:5:5: 'reverse.total_with_tax': column orders.total_with_tax of source"
                                + " table public.orders is generated and cannot be written; remove it from 'reverse'",
                        "0007_move_orders.yaml:5:5: 'reverse.total' does not fit column orders.total (numeric(12,2))"
                                + " of source table public.orders, planned over table public.invoices in store"
                                + " billing: cannot cast type timestamp with time zone to numeric",
                        "0007_move_orders.yaml:5:5: column orders.note of source table public.orders is not mapped"
                                + " by name in 'columns' and has no 'reverse' entry: after cutover the source would not"
                                + " be fed it, so cutover back (revert) would not be possible; add reverse: { note:"
                                + " <expression over invoices> }, or NULL to leave it empty",
                        "0007_move_orders.yaml:5:5: column invoices.fee (money) of table public.invoices in store"
                                + " billing cannot be copied back into orders.fee (integer) after cutover: cannot cast"
                                + " type money to integer; give 'reverse' for fee");
    }

    @Test
    void shouldReportAnExpressionThatTriesToWriteAndChangeNothing() {
        exec(orders, """
                CREATE TABLE audit (n int);
                CREATE FUNCTION sneaky() RETURNS bigint IMMUTABLE LANGUAGE plpgsql AS $$
                BEGIN INSERT INTO audit VALUES (1); RETURN 1; END $$;
                """);
        before = fingerprint();

        assertThat(check(move(TO + """
                        table: orders
                        key: [id]
                        columns: { id: id, customer_id: sneaky(), total_cents: "(total * 100)::bigint", note: note }
                        reverse: { total: "total_cents / 100.0", customer_id: "1" }
                        """)))
                .singleElement()
                .asString()
                .contains("'columns.customer_id' does not fit")
                .containsAnyOf("read-only transaction", "not allowed in a non-volatile function");
    }

    @Test
    void shouldPlanExpressionsWithoutRunningThem() {
        exec(orders, """
                CREATE TABLE audit (n int);
                CREATE FUNCTION noisy() RETURNS bigint VOLATILE LANGUAGE plpgsql AS $$
                BEGIN INSERT INTO audit VALUES (1); RETURN 1; END $$;
                """);
        before = fingerprint();

        assertThat(check(move(TO + """
                        table: orders
                        key: [id]
                        columns: { id: id, customer_id: noisy(), total_cents: "(total * 100)::bigint", note: note }
                        reverse: { total: "total_cents / 100.0", customer_id: "1" }
                        """))).isEmpty();
    }

    // ---- fixtures

    private static void exec(EmbeddedPostgres.Database db, String sql) {
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** Every relation, column, constraint, type, function and row of both stores. */
    private String fingerprint() {
        return describe(orders) + "\n---\n" + describe(billing);
    }

    private static String describe(EmbeddedPostgres.Database db) {
        List<String> lines = new ArrayList<>();
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("""
                    SELECT c.relname || ' ' || c.relkind::text
                           || coalesce(' ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod), '')
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                    UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
                              WHERE connamespace = 'public'::regnamespace
                    UNION ALL SELECT 'schema ' || nspname FROM pg_namespace
                    UNION ALL SELECT 'function ' || oid::regprocedure FROM pg_proc
                              WHERE pronamespace = 'public'::regnamespace
                    UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal
                    ORDER BY 1""")) {
                while (rs.next()) {
                    lines.add(rs.getString(1));
                }
            }
            for (String table : List.copyOf(lines)) {
                if (table.matches("\\w+ r .*") && !lines.contains("rows " + table.split(" ")[0])) {
                    String name = table.split(" ")[0];
                    lines.add("rows " + name);
                    try (ResultSet rs = s.executeQuery(
                            "SELECT coalesce(string_agg(t::text, ',' ORDER BY t::text), '') FROM " + name + " t")) {
                        rs.next();
                        lines.add(rs.getString(1));
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return String.join("\n", lines);
    }
}
