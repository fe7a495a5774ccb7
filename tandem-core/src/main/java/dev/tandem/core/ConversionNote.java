package dev.tandem.core;

/**
 * One thing {@link PgrollConverter} reports about a file it converted: where (in the pgroll file for
 * what it changed or left out, in the written tandem file for what tandem's reader or linter says of
 * it) and what to do.
 */
public record ConversionNote(Kind kind, SourceLocation location, String message) {

    public enum Kind {
        /** Translated differently from the source on purpose (an id made valid, a deprecation added); nothing to do. */
        CHANGED,
        /** A pgroll field that tandem will not carry, left out of the written file; a human decides what it needs. */
        NOT_CARRIED,
        /** tandem's reader refuses the written file; it cannot be started until this is fixed. */
        UNREADABLE,
        /** A lint error in the written file; {@code start} refuses it until it is fixed. */
        LINT_ERROR,
        /** A lint warning in the written file; {@code start} accepts it. */
        LINT_WARNING
    }

    /** Whether a person must look at the written file before it can be used as tandem means it. */
    public boolean needsHuman() {
        return kind == Kind.NOT_CARRIED || kind == Kind.UNREADABLE || kind == Kind.LINT_ERROR;
    }

    @Override
    public String toString() {
        return location + ": " + label() + ": " + message;
    }

    private String label() {
        return switch (kind) {
            case CHANGED -> "changed";
            case NOT_CARRIED -> "not carried";
            case UNREADABLE -> "refused by tandem";
            case LINT_ERROR -> "lint error";
            case LINT_WARNING -> "lint warning";
        };
    }
}
