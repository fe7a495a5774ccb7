package dev.tandem.client;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Work the application does on one side's connection. The connection is tandem's to open and close:
 * the function must not close it, nor keep it after it returns.
 */
@FunctionalInterface
public interface SqlFunction<T> {
    T apply(Connection connection) throws SQLException;
}
