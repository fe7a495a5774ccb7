package dev.tandem.cli;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;

/** A HikariCP pool over a store, as the demo's service (and a real one) reaches its databases. */
final class DemoPool {
    private DemoPool() {}

    static HikariDataSource of(DataSource store, int size) {
        HikariConfig config = new HikariConfig();
        config.setDataSource(store);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(1);
        config.setPoolName("tandem-demo");
        return new HikariDataSource(config);
    }
}
