package dev.tandem.client;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import javax.sql.DataSource;

/**
 * The entry point of the library a service embeds: it watches the phases and flags of the service's
 * migrations and hands out a {@link MigrationHandle} per migration, which routes reads and writes to
 * the right shape or store. Built with {@link #connect()}:
 *
 * <pre>{@code
 * Tandem tandem = Tandem.connect()
 *         .service("orders")
 *         .dataSource(ordersPool)                 // the service's store, where tandem's state lives
 *         .store("billing", billingPool)          // the target store of a move_table, by name
 *         .build();
 * MigrationHandle split = tandem.migration("0003_split_customer_name");
 * DataSource shaped = split.dataSource();         // the old or new shape, as the flags say
 * }</pre>
 *
 * <p>It holds one connection of the service's DataSource for as long as it is open (to LISTEN for
 * changes), and starts three named daemon threads ({@code tandem-state-watch-<service>}, {@code
 * tandem-heartbeat-<service>}, and shadow-read threads per migration when shadow reads are on).
 * Thread-safe; close it when the service stops.
 */
public final class Tandem implements AutoCloseable {
    private final String service;
    private final String instance;
    private final DataSource serviceDataSource;
    private final Logs logs = new Logs();
    private final Clock clock;
    private final ClientMetrics metrics;
    private final StateWatcher watcher;
    private final Heartbeats heartbeats;
    private final Router router;
    // One handle per migration id.
    private final Map<String, MigrationHandle> handles = new ConcurrentHashMap<>();

    private Tandem(Builder b) {
        this.service = b.service;
        this.instance = b.instance != null ? b.instance : defaultInstance();
        this.serviceDataSource = b.dataSource;
        this.clock = b.clock;
        this.metrics = b.meterRegistry == null ? ClientMetrics.NONE : MicrometerMetrics.create(b.meterRegistry);
        this.watcher = new StateWatcher(serviceDataSource, b.pollInterval, "tandem-state-watch-" + service, logs);
        this.router = new Router(this, b.stores, b.fenceTimeout, b.random);
        this.heartbeats = new Heartbeats(
                serviceDataSource,
                service,
                instance,
                () -> List.copyOf(handles.values()),
                logs,
                "tandem-heartbeat-" + service);
    }

    /** Starts building a client. */
    public static Builder connect() {
        return new Builder();
    }

    /**
     * The handle of migration {@code id}, the same object on every call. The first call for an id reads
     * its state at once if it is not known yet, and from then on this instance reports it in its
     * heartbeats.
     */
    public MigrationHandle migration(String id) {
        Objects.requireNonNull(id, "migration id");
        MigrationHandle existing = handles.get(id);
        if (existing != null) {
            return existing;
        }
        MigrationHandle handle = handles.computeIfAbsent(id, k -> new MigrationHandle(this, k));
        watcher.watch(id);
        metrics.watch(handle);
        heartbeats.soon();
        return handle;
    }

    /**
     * Calls {@code listener} with a migration's id whenever its phase, its flags or its authoritative
     * side change, on the watch thread (or on a thread that forced a re-read at a fence); it must return
     * quickly. What it throws is logged and ignored.
     */
    public void addListener(Consumer<String> listener) {
        watcher.addListener(Objects.requireNonNull(listener, "listener"));
    }

    /** The service name this client reports in its heartbeats. */
    public String service() {
        return service;
    }

    /** The instance name this client reports in its heartbeats. */
    public String instance() {
        return instance;
    }

    /** Stops watching and heartbeats, and the shadow reads of every migration. Idempotent. */
    @Override
    public void close() {
        watcher.close();
        heartbeats.close();
        handles.values().forEach(MigrationHandle::close);
    }

    StateWatcher watcher() {
        return watcher;
    }

    Router router() {
        return router;
    }

    ClientMetrics metrics() {
        return metrics;
    }

    Logs logs() {
        return logs;
    }

    Clock clock() {
        return clock;
    }

    DataSource serviceDataSource() {
        return serviceDataSource;
    }

    DataSource sessionDataSource(DataSource delegate, Supplier<String> versionSchema) {
        return new SessionDataSource(delegate, versionSchema, logs);
    }

    /** Writes the heartbeats now, as the heartbeat thread does (failures are logged); for tests. */
    void heartbeatsNow() {
        heartbeats.beatQuietly();
    }

    private static String defaultInstance() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = Objects.requireNonNullElse(System.getenv("HOSTNAME"), "unknown-host");
        }
        return host + ":" + ProcessHandle.current().pid();
    }

    /** Builds a {@link Tandem}. Each setting is checked where it is given. Not thread-safe. */
    public static final class Builder {
        private String service;
        private DataSource dataSource;
        private final Map<String, DataSource> stores = new LinkedHashMap<>();
        private String instance;
        private Duration heartbeatInterval = Duration.ofSeconds(5);
        private Duration pollInterval = Duration.ofSeconds(1);
        private Duration fenceTimeout = Duration.ofSeconds(5);
        // A MeterRegistry, held as an Object so that a service without Micrometer never loads its types.
        private Object meterRegistry;
        private Clock clock = Clock.systemUTC();
        private RandomGenerator random = RandomGenerator.getDefault();

        private Builder() {}

        /** The service's name, as in its migration files (required). */
        public Builder service(String service) {
            require(service != null && !service.isBlank(), "the service name must not be blank");
            this.service = service;
            return this;
        }

        /**
         * The service's own store (required): where tandem's state lives, and, for a moved table, the
         * source store. Typically the service's connection pool.
         */
        public Builder dataSource(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            return this;
        }

        /** Another store, by the name migration files use for it ({@code move_table.to.store}). */
        public Builder store(String name, DataSource dataSource) {
            require(name != null && !name.isBlank(), "a store name must not be blank");
            require(dataSource != null, "the DataSource of store '" + name + "' must not be null");
            require(!stores.containsKey(name), "store '" + name + "' was given twice");
            stores.put(name, dataSource);
            return this;
        }

        /** This instance's name in heartbeats (default: the host name and the process id). */
        public Builder instance(String instance) {
            require(instance != null && !instance.isBlank(), "the instance name must not be blank");
            this.instance = instance;
            return this;
        }

        /** How often this instance records its heartbeat (default 5 s). */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = positive("heartbeat interval", interval);
            return this;
        }

        /** How often the state is re-read in case a notification was missed (default 1 s). */
        public Builder pollInterval(Duration interval) {
            this.pollInterval = positive("poll interval", interval);
            return this;
        }

        /** How long a write may be refused by both sides through a cutover or revert before it fails (default 5 s). */
        public Builder fenceTimeout(Duration timeout) {
            this.fenceTimeout = positive("fence timeout", timeout);
            return this;
        }

        /** Publishes the client's metrics there (optional; without it no Micrometer class is loaded). */
        public Builder meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "meterRegistry");
            return this;
        }

        Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random);
            return this;
        }

        /** Builds the client, reads the state once, and starts watching it and sending heartbeats. */
        public Tandem build() {
            require(service != null, "a service name is required: Tandem.connect().service(\"orders\")");
            require(
                    dataSource != null,
                    "the service's DataSource is required: Tandem.connect().dataSource(pool), the store where"
                            + " tandem's state lives");
            Tandem tandem = new Tandem(this);
            tandem.watcher.start();
            tandem.heartbeats.start(heartbeatInterval);
            return tandem;
        }

        private static Duration positive(String what, Duration d) {
            require(d != null && d.isPositive(), "the " + what + " must be positive, got " + d);
            return d;
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new TandemException(ErrorCode.USAGE, message);
            }
        }
    }
}
