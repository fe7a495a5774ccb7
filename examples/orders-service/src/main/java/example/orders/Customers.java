package example.orders;

import dev.tandem.client.MigrationHandle;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * The customers table, which {@code examples/0001_split_customer_name.yaml} changes in place: {@code name}
 * split into {@code first_name} and {@code last_name}, {@code email} renamed {@code email_address}.
 *
 * <p>Every connection comes from the migration's shape-selecting DataSource, which puts the version
 * schema first on the search path while the shape flag is {@code new} ({@code tandem flag --shape
 * new}). A connection keeps its shape until it is closed, so the code asks the connection which shape
 * it has and speaks that shape's SQL; both shapes see each other's writes.
 */
final class Customers {
    record Customer(long id, String firstName, String lastName, String email, String shape) {}

    private final DataSource shaped;
    private final String versionSchema;

    Customers(MigrationHandle migration, String versionSchema) {
        this.shaped = migration.dataSource();
        this.versionSchema = versionSchema;
    }

    Customer find(long id) throws SQLException {
        try (Connection c = shaped.getConnection()) {
            boolean newShape = newShape(c);
            String sql = newShape
                    ? "SELECT first_name, last_name, email_address FROM customers WHERE id = ?"
                    : "SELECT split_part(name, ' ', 1), substr(name, length(split_part(name, ' ', 1)) + 2), email"
                            + " FROM customers WHERE id = ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next()
                            ? new Customer(id, rs.getString(1), rs.getString(2), rs.getString(3), newShape ? "new" : "old")
                            : null;
                }
            }
        }
    }

    /** Changes a customer's e-mail address; returns the shape that wrote it. */
    String changeEmail(long id, String email) throws SQLException {
        try (Connection c = shaped.getConnection()) {
            boolean newShape = newShape(c);
            String sql = newShape
                    ? "UPDATE customers SET email_address = ? WHERE id = ?"
                    : "UPDATE customers SET email = ? WHERE id = ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, email);
                ps.setLong(2, id);
                ps.executeUpdate();
            }
            return newShape ? "new" : "old";
        }
    }

    /** Whether this connection sees the new shape: its search path starts with the version schema. */
    private boolean newShape(Connection c) throws SQLException {
        return versionSchema.equals(c.getSchema());
    }
}
