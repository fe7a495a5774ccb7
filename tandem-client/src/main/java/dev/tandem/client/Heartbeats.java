package dev.tandem.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records, every heartbeat interval, which side this instance uses for each migration the application
 * asked about, in the service's store ({@code tandem.heartbeats}), with its shadow-read counts and
 * latest mismatches. {@code status} lists these rows, and {@code complete} is refused while one still
 * uses the old side. A missing table or privilege is logged (once a minute) and retried at the next
 * beat. Thread-safe.
 */
final class Heartbeats implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Heartbeats.class);
    private static final JsonFactory JSON = new JsonFactory();
    private static final String UPSERT = """
            INSERT INTO tandem.heartbeats AS h
              (service, instance, migration_id, side, reads_new, seen_at, shadow_compared, shadow_mismatched, shadow_samples)
            VALUES (?, ?, ?, ?, ?, now(), ?, ?, ?::jsonb)
            ON CONFLICT (service, instance, migration_id) DO UPDATE SET
              side = EXCLUDED.side, reads_new = EXCLUDED.reads_new, seen_at = EXCLUDED.seen_at,
              shadow_compared = EXCLUDED.shadow_compared, shadow_mismatched = EXCLUDED.shadow_mismatched,
              shadow_samples = EXCLUDED.shadow_samples
            """;

    private final DataSource dataSource;
    private final String service;
    private final String instance;
    private final Supplier<Collection<MigrationHandle>> handles;
    private final Logs logs;
    private final ScheduledExecutorService timer;

    Heartbeats(
            DataSource dataSource,
            String service,
            String instance,
            Supplier<Collection<MigrationHandle>> handles,
            Logs logs,
            String threadName) {
        this.dataSource = dataSource;
        this.service = service;
        this.instance = instance;
        this.handles = handles;
        this.logs = logs;
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(
                1, r -> Thread.ofPlatform().name(threadName).daemon().unstarted(r));
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.timer = executor;
    }

    void start(Duration interval) {
        timer.scheduleWithFixedDelay(this::beatQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Asks for a beat now (a migration was just asked about), off the caller's thread. */
    void soon() {
        try {
            timer.execute(this::beatQuietly);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // the client is closing
        }
    }

    void beatQuietly() {
        try {
            beat();
            logs.recovered("heartbeat");
        } catch (SQLException | RuntimeException e) {
            logs.failure(
                    LOG,
                    "heartbeat",
                    "tandem-client could not record its heartbeat in tandem.heartbeats ({}); it tries again at the"
                            + " next beat",
                    reason(e));
        }
    }

    /** The database's own words, on one line: a batch's first failure rather than the batch's wrapper. */
    private static String reason(Exception e) {
        Exception cause = e instanceof SQLException s && s.getNextException() != null ? s.getNextException() : e;
        return String.valueOf(cause.getMessage()).replaceAll("\\s+", " ");
    }

    void beat() throws SQLException {
        Collection<MigrationHandle> all = handles.get();
        if (all.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(UPSERT)) {
            for (MigrationHandle h : all) {
                MigrationState state = h.state();
                ShadowStats shadow = h.shadowStats();
                ps.setString(1, service);
                ps.setString(2, instance);
                ps.setString(3, h.id());
                ps.setString(4, state.heartbeatSide());
                ps.setInt(5, state.readsNewPercent());
                ps.setLong(6, shadow.compared());
                ps.setLong(7, shadow.mismatched());
                ps.setString(8, json(shadow));
                ps.addBatch();
            }
            ps.executeBatch();
            if (!c.getAutoCommit()) {
                c.commit();
            }
        }
    }

    static String json(ShadowStats stats) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartArray();
            for (ShadowSample s : stats.samples()) {
                g.writeStartObject();
                g.writeStringField("key", s.key());
                g.writeStringField("at", s.at().toString());
                g.writeArrayFieldStart("diffs");
                for (FieldDiff d : s.diffs()) {
                    g.writeStartObject();
                    g.writeStringField("field", d.field());
                    g.writeStringField("old", d.oldValue());
                    g.writeStringField("new", d.newValue());
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
