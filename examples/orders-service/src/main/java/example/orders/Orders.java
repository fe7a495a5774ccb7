package example.orders;

import dev.tandem.client.MigrationHandle;
import dev.tandem.client.TandemContext;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The orders, which {@code 0002_move_orders.yaml} moves from this service's database ({@code
 * sales.orders}, totals in euros) to the billing database ({@code invoices}, totals in cents).
 *
 * <p>Each read and write gives tandem-client both versions of its SQL; the client runs the one the
 * migration's state names. A read goes where {@code tandem flag --reads-new} sends its key; a write
 * goes to the authoritative side, and through {@code tandem cutover} or {@code revert} it waits at the
 * fence and then runs on the side that took over. The request's correlation id travels with the
 * connection, so the change it captures names the request.
 */
final class Orders {
    record Order(long id, long customerId, long totalCents) {}

    private final MigrationHandle migration;

    Orders(MigrationHandle migration) {
        this.migration = migration;
    }

    Order find(long id, String requestId) throws SQLException {
        try (TandemContext.Scope ignored = TandemContext.correlate(requestId, null)) {
            return migration.read(
                    Long.toString(id),
                    c -> one(c, "SELECT id, customer_id, (total * 100)::bigint FROM sales.orders WHERE id = ?", id),
                    c -> one(c, "SELECT id, customer_id, total_cents FROM invoices WHERE id = ?", id));
        }
    }

    /** Adds {@code cents} to an order's total; false when there is no such order. */
    boolean pay(long id, long cents, String requestId) throws SQLException {
        try (TandemContext.Scope ignored = TandemContext.correlate(requestId, null)) {
            int rows = migration.write(
                    Long.toString(id),
                    c -> update(
                            c,
                            "UPDATE sales.orders SET total = total + ? WHERE id = ?",
                            BigDecimal.valueOf(cents, 2),
                            id),
                    c -> update(c, "UPDATE invoices SET total_cents = total_cents + ? WHERE id = ?", cents, id));
            return rows == 1;
        }
    }

    private static Order one(Connection c, String sql, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Order(rs.getLong(1), rs.getLong(2), rs.getLong(3)) : null;
            }
        }
    }

    private static int update(Connection c, String sql, Object amount, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, amount);
            ps.setLong(2, id);
            return ps.executeUpdate();
        }
    }
}
