package dev.tandem.bench;

import java.util.EnumSet;
import java.util.Set;

/**
 * A way to deliver the changes of {@code bench_orders} from a source store to a target store: what the
 * relay benchmarks measure. PostgreSQL's logical replication and Debezium's embedded engine are the
 * baselines; tandem's relay is measured the same way once it is registered in {@link
 * RelayBench#CANDIDATES}, and reported as a ratio against each baseline.
 *
 * <p>The harness owns everything but the delivery itself: it creates and seeds both stores identically,
 * writes the changes, decides when the delivery has caught up (by a fence row it writes last, then a
 * fingerprint of both tables), and times it all. A delivery only sets up capture, starts, and cleans
 * up. Each instance is used for one measurement: {@code prepare}, then {@code start}, then {@code
 * close}, on one thread.
 */
interface ChangeDelivery extends AutoCloseable {
    /** The measurements a delivery can take part in. */
    enum Scenario {
        /** A backlog written while the delivery is stopped, then drained. */
        DRAIN,
        /** The same number of changes written while the delivery runs. */
        LIVE,
        /** A steady rate of changes, each timed from its commit on the source to its arrival. */
        LATENCY
    }

    /** A short name for JSON keys, such as {@code logical_replication}. */
    String key();

    /** The name the report shows. */
    String name();

    /**
     * Whether changes land in the target's {@code bench_orders}, where the harness observes them, or are
     * only read and reported to the {@link Listener} (a reader that writes nowhere, such as Debezium here).
     */
    boolean appliesToTarget();

    default Set<Scenario> scenarios() {
        return EnumSet.allOf(Scenario.class);
    }

    /**
     * Sets up capture on the source: every change committed after this returns must be delivered once
     * {@link #start} is called, and nothing is delivered before. Both stores hold the same seeded
     * {@code bench_orders} when this is called.
     *
     * @param listener told of each change read, by a delivery that does not apply to the target
     */
    void prepare(Store source, Store target, Listener listener) throws Exception;

    /** Starts delivering, from the first change captured after {@link #prepare}; returns at once. */
    void start() throws Exception;

    /** Throws if the delivery has stopped on its own; the harness calls it while it waits. */
    default void check() throws Exception {}

    /** Stops delivering and removes what {@link #prepare} installed on both stores. */
    @Override
    void close() throws Exception;

    /**
     * A change as a reading delivery saw it.
     *
     * @param id the row's id (0 for the fence row)
     * @param changeNo the row's {@code change_no} after an insert or update (negative for the fence);
     *     0 for a delete, which names its row by id
     * @param delete whether the change deleted the row
     * @param atMicros when the delivery had it, in microseconds since the epoch
     */
    record Delivered(long id, long changeNo, boolean delete, long atMicros) {}

    /** Told of each change a reading delivery has; called from the delivery's own thread. */
    interface Listener {
        Listener NONE = d -> {};

        void delivered(Delivered change);
    }
}
