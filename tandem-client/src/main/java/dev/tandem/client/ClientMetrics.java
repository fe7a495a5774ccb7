package dev.tandem.client;

/**
 * Where the client reports what it does. Without a Micrometer registry it is {@link #NONE}, so no
 * Micrometer class is ever loaded and the service needs no Micrometer on its classpath.
 */
interface ClientMetrics {
    /** What became of one sampled shadow read. */
    enum ShadowOutcome {
        COMPARED,
        MISMATCHED,
        DROPPED,
        ERROR
    }

    /** Starts publishing the gauges of a migration the application asked for. */
    void watch(MigrationHandle handle);

    void read(String migration, Side side);

    void shadow(String migration, ShadowOutcome outcome);

    void fenceWait(String migration, long nanos);

    /** A read or write that could not be routed: no DataSource for the store, or the fence outlasted its timeout. */
    void routingError(String migration, String reason);

    ClientMetrics NONE = new ClientMetrics() {
        @Override
        public void watch(MigrationHandle handle) {}

        @Override
        public void read(String migration, Side side) {}

        @Override
        public void shadow(String migration, ShadowOutcome outcome) {}

        @Override
        public void fenceWait(String migration, long nanos) {}

        @Override
        public void routingError(String migration, String reason) {}
    };
}
