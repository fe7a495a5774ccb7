package dev.tandem.core;

import java.util.Locale;

/**
 * One finding of {@link Linter}: a stable rule id (such as {@code deprecation-required}), where in the
 * file, and a message that says what to do.
 */
public record LintFinding(Severity severity, String rule, SourceLocation location, String message) {
    @Override
    public String toString() {
        return location + ": " + severity.name().toLowerCase(Locale.ROOT) + " [" + rule + "] " + message;
    }
}
