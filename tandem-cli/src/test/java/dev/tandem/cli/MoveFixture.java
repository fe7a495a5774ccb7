package dev.tandem.cli;

import dev.tandem.testkit.EmbeddedPostgres;

/** The move the CLI's move tests run: orders on one database to invoices on another, totals in cents. */
final class MoveFixture {
    private MoveFixture() {}

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

    /** The {@code --store} argument that names {@code billing} as the store {@code billing}. */
    static String store(EmbeddedPostgres.Database billing) {
        return "billing=postgres://" + billing.user() + "@localhost:" + billing.port() + "/" + billing.name();
    }
}
