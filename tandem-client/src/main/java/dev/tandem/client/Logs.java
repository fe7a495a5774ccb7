package dev.tandem.client;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.MDC;
import org.slf4j.event.Level;

/**
 * Log lines about a migration carry the MDC keys {@code migration}, {@code phase}, {@code
 * schema_version} (the version schema of an in-store migration, the migration id of a move) and
 * {@code correlation_id} when the caller has one. Repeated failures are logged once a minute per kind
 * (at WARN), and otherwise at DEBUG, so a broken store never floods the service's log. Thread-safe.
 */
final class Logs {
    private static final long QUIET_NANOS = 60_000_000_000L;

    // Guarded by being a concurrent map: the last time each kind of failure was logged at WARN.
    private final Map<String, Long> lastWarned = new ConcurrentHashMap<>();

    /** Logs {@code format} at {@code level} with the migration's MDC keys set for the line. */
    static void about(Logger log, Level level, MigrationState state, String format, Object... args) {
        Map<String, String> keys = new HashMap<>();
        keys.put("migration", state.id());
        keys.put("phase", state.phase().name());
        keys.put("schema_version", state.move() || state.versionSchema() == null ? state.id() : state.versionSchema());
        String correlationId = TandemContext.correlationId();
        if (correlationId != null) {
            keys.put(TandemContext.MDC_CORRELATION_ID, correlationId);
        }
        Map<String, String> previous = new HashMap<>();
        keys.forEach((k, v) -> {
            previous.put(k, MDC.get(k));
            MDC.put(k, v);
        });
        try {
            log.atLevel(level).log(format, args);
        } finally {
            previous.forEach((k, v) -> {
                if (v == null) {
                    MDC.remove(k);
                } else {
                    MDC.put(k, v);
                }
            });
        }
    }

    /** Logs a failure of {@code kind} at WARN if none of that kind was in the last minute, else at DEBUG. */
    void failure(Logger log, String kind, String format, Object... args) {
        long now = System.nanoTime();
        Long last = lastWarned.get(kind);
        boolean warn = (last == null || now - last > QUIET_NANOS)
                && (last == null ? lastWarned.putIfAbsent(kind, now) == null : lastWarned.replace(kind, last, now));
        log.atLevel(warn ? Level.WARN : Level.DEBUG).log(format, args);
    }

    /** Forgets that {@code kind} failed, so its next failure is logged at WARN again. */
    void recovered(String kind) {
        lastWarned.remove(kind);
    }
}
