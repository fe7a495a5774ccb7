package dev.tandem.postgres;

import dev.tandem.core.Migration;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The PostgreSQL expand/contract engine: tandem's one entry point to a target database.
 *
 * <p>All state lives in the target database's {@code tandem} schema, so any number of engines (CLI
 * processes) may act on the same database; the database serialises them. Methods throw {@link
 * dev.tandem.core.TandemException} with a stable code. Not thread-safe: use one engine per thread.
 */
public final class Engine {
    private final DataSource dataSource;
    private final EngineOptions options;

    private Engine(DataSource dataSource, EngineOptions options) {
        this.dataSource = dataSource;
        this.options = options;
    }

    public static Engine create(DataSource dataSource, EngineOptions options) {
        return new Engine(dataSource, options);
    }

    /** Every step {@code start}, {@code complete} and {@code rollback} would run. Changes nothing. */
    public Plan plan(Migration migration) {
        throw new UnsupportedOperationException("todo");
    }

    /**
     * Expands the schema (new columns and tables, sync triggers, the version schema), then backfills,
     * unless {@link EngineOptions#backfill()} is false. A file that fails validation against the live
     * database changes nothing.
     */
    public MigrationStatus start(Migration migration) {
        throw new UnsupportedOperationException("todo");
    }

    /** Runs or resumes the active migration's backfill from its checkpoint, then validates constraints. */
    public MigrationStatus backfill(String migrationId) {
        throw new UnsupportedOperationException("todo");
    }

    /** Asks a running backfill (in any process) to pause, or a paused one to go on. */
    public MigrationStatus pauseBackfill(String migrationId, boolean paused) {
        throw new UnsupportedOperationException("todo");
    }

    /** Contract: removes the old shape; the tables then look as if they always had the new shape. */
    public MigrationStatus complete(TransitionRequest request) {
        throw new UnsupportedOperationException("todo");
    }

    /** Removes the new shape; the old shape keeps every write made through either shape. */
    public MigrationStatus rollback(TransitionRequest request) {
        throw new UnsupportedOperationException("todo");
    }

    /** Records that the new side is now authoritative. Gates come with verification. */
    public MigrationStatus cutover(TransitionRequest request) {
        throw new UnsupportedOperationException("todo");
    }

    /** Records that the old side is authoritative again. */
    public MigrationStatus revert(TransitionRequest request) {
        throw new UnsupportedOperationException("todo");
    }

    /** The migration with this id, or the active one when the id is null. */
    public Optional<MigrationStatus> status(String migrationId) {
        throw new UnsupportedOperationException("todo");
    }

    /** Every migration recorded in this database, oldest first. */
    public List<MigrationStatus> migrations() {
        throw new UnsupportedOperationException("todo");
    }

    /** Every recorded phase change, oldest first. */
    public List<HistoryEntry> history() {
        throw new UnsupportedOperationException("todo");
    }
}
