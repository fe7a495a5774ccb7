package dev.tandem.core;

/**
 * Stable error codes. Each code maps to a CLI exit code and says whether retrying the same action
 * may succeed.
 */
public enum ErrorCode {
    /** The migration file is malformed or inconsistent. */
    SPEC_INVALID(2, false),
    /** The file does not match the live database (a missing table or column, a name already taken). */
    SCHEMA_MISMATCH(2, false),
    /** Lint found at least one error-level finding. */
    LINT_FAILED(1, false),
    /** A file that was already applied has changed since. */
    CHECKSUM_MISMATCH(2, false),
    /**
     * A directory of migrations and the database's history disagree (an applied file changed or is
     * gone, or the order differs); nothing was changed.
     */
    HISTORY_MISMATCH(1, false),
    /** A phase transition's gate refused it. */
    GATE_REFUSED(1, false),
    /** The requested transition is not allowed from the current phase. */
    PHASE_INVALID(1, false),
    /**
     * A runtime flag change that the migration's phase or kind does not allow (reads to a side not
     * yet backfilled, a shape for a move, a finished migration); nothing was changed.
     */
    FLAG_REFUSED(1, false),
    /** Another migration is active on the same schema. */
    MIGRATION_ACTIVE(1, false),
    /** There is no active migration to act on. */
    NO_ACTIVE_MIGRATION(1, false),
    /** The command line was used wrongly. */
    USAGE(2, false),
    /** A lock could not be taken within the lock timeout, after every retry. */
    LOCK_TIMEOUT(3, true),
    /** A serialization failure or deadlock; retrying may succeed. */
    SERIALIZATION_FAILURE(3, true),
    /** The database could not be reached or the connection was lost. */
    CONNECTION_FAILED(3, true),
    /** Any other database error. */
    DATABASE_ERROR(3, false);

    private final int exitCode;
    private final boolean retryable;

    ErrorCode(int exitCode, boolean retryable) {
        this.exitCode = exitCode;
        this.retryable = retryable;
    }

    /** The CLI exit code: 1 refused, 2 bad usage or bad file, 3 database or connection failure. */
    public int exitCode() {
        return exitCode;
    }

    /** Whether the same action may succeed when retried. */
    public boolean retryable() {
        return retryable;
    }
}
