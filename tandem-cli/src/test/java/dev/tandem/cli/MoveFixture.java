package dev.tandem.cli;

import dev.tandem.testkit.EmbeddedPostgres;

/** The move the CLI's move tests run: orders on one database to invoices on another, totals in cents. */
final class MoveFixture {
    private MoveFixture() {}

    /** The source table, with 500 orders. */
    static final String ORDERS = """
            CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total numeric(12, 2));
            INSERT INTO orders SELECT g, g % 7, g * 0.5 FROM generate_series(1, 500) g;
            """;

    /** The target table, empty; its check refuses totals of 1,000 or more. */
    static final String INVOICES = "CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint NOT NULL,"
            + " total_cents bigint CHECK (total_cents < 100000))";

    static final String FILE_NAME = "0007_move_orders.yaml";

    static final String MOVE = """
            id: 0007_move_orders
            service: orders
            owner: team-orders
            rationale: billing owns invoices now
            operations:
              - move_table:
                  table: orders
                  key: [id]
                  to: { store: billing, table: invoices }
                  columns: { id: id, customer_id: customer_id, total_cents: "(total * 100)::bigint" }
                  reverse: { total: "total_cents / 100.0" }
            """;

    /**
     * Creates the fixture's tables on both stores and starts the move as {@code tandem start --store}
     * does, its file written to {@code dir}; fails the test when start does not succeed.
     */
    static void start(java.nio.file.Path dir, EmbeddedPostgres.Database orders, EmbeddedPostgres.Database billing)
            throws java.io.IOException {
        MoveCutoverIT.sql(orders, ORDERS);
        MoveCutoverIT.sql(billing, INVOICES);
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve(FILE_NAME), MOVE);
        CliRun start = CliRun.of(
                "start",
                file.toString(),
                "--url",
                orders.jdbcUrl(),
                "--user",
                orders.user(),
                "--store",
                store(billing));
        org.assertj.core.api.Assertions.assertThat(start.exitCode())
                .as(start.out() + start.err())
                .isZero();
    }

    /** The {@code --store} argument that names {@code billing} as the store {@code billing}. */
    static String store(EmbeddedPostgres.Database billing) {
        return "billing=postgres://" + billing.user() + "@localhost:" + billing.port() + "/" + billing.name();
    }
}
