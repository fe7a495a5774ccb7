package dev.tandem.relay;

import java.time.Duration;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A relay in a process of its own, for the tests that kill it: {@code RelayProcess SOURCE_URL
 * TARGET_URL USER}. It delivers the orders move until it is killed.
 */
public final class RelayProcess {
    private RelayProcess() {}

    public static void main(String[] args) throws Exception {
        Relay relay = Relay.builder(dataSource(args[0], args[2]))
                .move(RelayConvergenceIT.orders(), dataSource(args[1], args[2]))
                .batchSize(100)
                .pollInterval(Duration.ofMillis(50))
                .retry(Duration.ofMillis(10), Duration.ofMillis(200))
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(relay::stop));
        relay.run();
    }

    private static PGSimpleDataSource dataSource(String url, String user) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(url);
        ds.setUser(user);
        return ds;
    }
}
