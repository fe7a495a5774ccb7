package dev.tandem.client;

import java.util.Objects;
import org.slf4j.MDC;

/**
 * The caller's correlation id and W3C {@code traceparent}, which connections handed out by tandem
 * carry as the session settings {@code tandem.correlation_id} and {@code tandem.traceparent}, so that
 * every change captured from them names the request that made it.
 *
 * <p>{@link #correlate} sets them for the current thread until the returned scope is closed. When no
 * scope is open, tandem falls back to the SLF4J MDC keys {@value #MDC_CORRELATION_ID} and {@value
 * #MDC_TRACEPARENT}, which most tracing setups already fill. Thread-safe: each thread has its own.
 */
public final class TandemContext {
    /** The MDC key read for the correlation id when no scope is open. */
    public static final String MDC_CORRELATION_ID = "correlation_id";

    /** The MDC key read for the W3C traceparent when no scope is open. */
    public static final String MDC_TRACEPARENT = "traceparent";

    // Per-request context, like the MDC itself: a thread-local is the only place a library can find
    // it without the caller passing it through every call.
    private static final ThreadLocal<Values> CURRENT = new ThreadLocal<>();

    private TandemContext() {}

    /** An open correlation; closing it restores what the thread had before. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    record Values(String correlationId, String traceparent) {}

    /**
     * Sets the correlation id and traceparent (either may be null) for this thread until the scope
     * is closed. Scopes nest.
     */
    public static Scope correlate(String correlationId, String traceparent) {
        Values previous = CURRENT.get();
        Values values = new Values(correlationId, traceparent);
        CURRENT.set(values);
        return new Scope() {
            private boolean closed;

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    if (previous == null) {
                        CURRENT.remove();
                    } else {
                        CURRENT.set(previous);
                    }
                }
            }
        };
    }

    /** The correlation id of this thread: its open scope's, else the MDC's; null when neither has one. */
    static String correlationId() {
        Values v = CURRENT.get();
        return v != null ? v.correlationId() : MDC.get(MDC_CORRELATION_ID);
    }

    /** The traceparent of this thread: its open scope's, else the MDC's; null when neither has one. */
    static String traceparent() {
        Values v = CURRENT.get();
        return v != null ? v.traceparent() : MDC.get(MDC_TRACEPARENT);
    }

    static Values current() {
        return new Values(
                Objects.requireNonNullElse(correlationId(), ""), Objects.requireNonNullElse(traceparent(), ""));
    }
}
