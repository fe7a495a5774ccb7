package dev.tandem.core;

/** One problem found in a migration file or against the live database. */
public record Problem(SourceLocation location, String message) {
    @Override
    public String toString() {
        return location + ": " + message;
    }
}
