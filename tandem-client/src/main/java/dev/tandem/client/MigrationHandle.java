package dev.tandem.client;

import dev.tandem.core.Phase;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * One migration as this service sees it, always current: its phase and {@link Stage}, which side a
 * routing key reads and which side writes go to, and the means to run reads and writes there. Obtained
 * from {@link Tandem#migration(String)}; one handle per id and client. A migration the store does not
 * know (not started yet) is reported as {@link Phase#PLANNED}: everything goes to the old side.
 *
 * <p>Thread-safe. Methods that only answer questions read the state in memory and never touch the
 * database.
 */
public final class MigrationHandle {
    private final Tandem tandem;
    private final String id;
    private final DataSource shapeDataSource;
    private final ShadowTally shadowTally = new ShadowTally();
    // Replaced whole by shadowReads(); null when off.
    private volatile ShadowRunner shadow;

    MigrationHandle(Tandem tandem, String id) {
        this.tandem = tandem;
        this.id = id;
        this.shapeDataSource = tandem.sessionDataSource(tandem.serviceDataSource(), () -> {
            MigrationState s = state();
            return s.shapeNew() ? s.versionSchema() : null;
        });
    }

    MigrationState state() {
        return tandem.watcher().state(id);
    }

    public String id() {
        return id;
    }

    public Phase phase() {
        return state().phase();
    }

    public Stage stage() {
        return state().stage();
    }

    /**
     * The share (0 to 100) of routing keys that read the new side: 0 before BACKFILLED and after a
     * rollback; the {@code reads_new} flag from BACKFILLED through CUT_OVER (100 for an in-store
     * migration whose shape flag is {@code new}); 100 once COMPLETE.
     */
    public int readsNewPercent() {
        return state().readsNewPercent();
    }

    /**
     * The side {@code routingKey} reads: new when its stable hash bucket (see the README) is below
     * {@link #readsNewPercent()}. One key always reads one side at a given percentage, in every
     * instance; raising the percentage only moves keys from old to new.
     */
    public Side readSide(String routingKey) {
        return state().readSide(requireKey(routingKey));
    }

    /**
     * The side application writes go to: for a move, the side {@code tandem.moves} names as
     * authoritative (new once COMPLETE); for an in-store migration, new from CUT_OVER on.
     */
    public Side writeSide() {
        return state().writeSide();
    }

    /**
     * For an in-store migration, the service's DataSource with the shape selected at each checkout:
     * while the shape flag is {@code new} (BACKFILLED through CUT_OVER) connections get the version
     * schema first on their {@code search_path}; otherwise they keep the pool's path, which after
     * COMPLETE shows the new shape in the base tables. Connections also carry the caller's correlation
     * ({@link TandemContext}), and are reset before they go back to the pool. For a move, the service's
     * DataSource with the correlation only. The same object on every call.
     */
    public DataSource dataSource() {
        return shapeDataSource;
    }

    /**
     * Runs {@code oldSide} or {@code newSide}, whichever {@link #readSide(String)} names for {@code
     * key}, on a connection of that side: for a move the service's store or the target store; for an
     * in-store migration the old shape or the new one. When {@linkplain #shadowReads shadow reads} are
     * on, a sampled share is then repeated on the other side and compared, off this thread.
     *
     * @throws SQLException what the function threw, unchanged
     * @throws dev.tandem.core.TandemException when the side is a store this client was given no
     *     DataSource for
     */
    public <T> T read(String key, SqlFunction<T> oldSide, SqlFunction<T> newSide) throws SQLException {
        return tandem.router().read(this, requireKey(key), oldSide, newSide);
    }

    /**
     * Runs {@code oldSide} or {@code newSide}, whichever side is authoritative, in one transaction on
     * that side. Through a cutover or revert the write waits at the fence, then runs on the side that
     * is authoritative after it: when a side refuses the write (SQLSTATE {@code TD001}) the attempt is
     * rolled back, the state re-read at once, and the write retried where the state points, for up to
     * the client's fence timeout. It never runs on both sides.
     *
     * @throws SQLException what the function threw, unchanged (the transaction is rolled back)
     * @throws dev.tandem.core.TandemException with {@code LOCK_TIMEOUT} when writes were refused for
     *     longer than the fence timeout; when the side is a store this client has no DataSource for
     */
    public <T> T write(String key, SqlFunction<T> oldSide, SqlFunction<T> newSide) throws SQLException {
        return tandem.router().write(this, requireKey(key), oldSide, newSide);
    }

    /** Turns shadow reads on with {@code config}, replacing any earlier configuration; null turns them off. */
    public void shadowReads(ShadowReads config) {
        ShadowRunner next = config == null
                ? null
                : new ShadowRunner(id, config, shadowTally, tandem.metrics(), tandem.logs(), tandem.clock());
        ShadowRunner previous = shadow;
        shadow = next;
        if (previous != null) {
            previous.close();
        }
    }

    /** What this instance's shadow reads of the migration found so far. */
    public ShadowStats shadowStats() {
        return shadowTally.stats();
    }

    ShadowRunner shadow() {
        return shadow;
    }

    void close() {
        shadowReads(null);
    }

    private static String requireKey(String key) {
        if (key == null) {
            throw new NullPointerException("routing key");
        }
        return key;
    }

    @Override
    public String toString() {
        MigrationState s = state();
        return "migration " + id + " (" + s.phase() + ", " + s.stage().wireName() + ")";
    }
}
