package dev.tandem.client;

import org.postgresql.ds.PGSimpleDataSource;

/**
 * Uses the client as a service without Micrometer would; {@link NoMicrometerIT} loads it in a class
 * loader that cannot see Micrometer.
 */
public final class NoMicrometerProbe {
    private NoMicrometerProbe() {}

    public static String run(String url) throws Exception {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(url);
        ds.setUser("postgres");
        try (Tandem tandem = Tandem.connect().service("probe").dataSource(ds).build()) {
            MigrationHandle handle = tandem.migration(ClientFixture.SPLIT);
            String read = handle.read("key", c -> "old", c -> "new");
            try {
                Class.forName("io.micrometer.core.instrument.MeterRegistry");
                return "Micrometer is visible to the probe";
            } catch (ClassNotFoundException expected) {
                return handle.phase() + " " + handle.stage().wireName() + " " + read;
            }
        }
    }
}
