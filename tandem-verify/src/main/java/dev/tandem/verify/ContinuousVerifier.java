package dev.tandem.verify;

import dev.tandem.core.TandemException;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.postgres.ShadowReads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verification that keeps running ({@code tandem verify --continuous}): a pass every {@code interval},
 * each recorded as any verification is, with its figures exported through Micrometer (drifted rows,
 * rows per second, the share of passes that reconciled, mismatches from passes and from the clients'
 * shadow reads on the same counter), and a threshold hook when drift exceeds {@code max_drift_rows}:
 * a log line at error level and, when given, a POST of the result to a webhook.
 */
public final class ContinuousVerifier {
    private static final Logger LOG = LoggerFactory.getLogger(ContinuousVerifier.class);

    private final Verifier verifier;
    private final DataSource store;
    private final String migrationId;
    private final Duration interval;
    private final URI webhook;
    private final Consumer<Verification> onPass;
    private final AtomicLong driftRows = new AtomicLong();
    private final AtomicReference<Double> rowsPerSecond = new AtomicReference<>(0.0);
    private final AtomicLong passes = new AtomicLong();
    private final AtomicLong reconciled = new AtomicLong();
    private final Counter verifyMismatches;
    private final Counter shadowMismatches;
    private long shadowSeen = -1;
    private volatile boolean stopped;

    /**
     * Passes of {@code verifier} over {@code migrationId} (null: the active one) in {@code store}, every
     * {@code interval}; {@code webhook} may be null; {@code onPass} sees each result.
     */
    public ContinuousVerifier(
            Verifier verifier,
            DataSource store,
            String migrationId,
            Duration interval,
            MeterRegistry registry,
            URI webhook,
            Consumer<Verification> onPass) {
        this.verifier = verifier;
        this.store = store;
        this.migrationId = migrationId;
        this.interval = interval;
        this.webhook = webhook;
        this.onPass = onPass;
        Tags tags = Tags.of("migration", migrationId == null ? "active" : migrationId);
        Gauge.builder("tandem.verify.drift.rows", driftRows, AtomicLong::get)
                .tags(tags)
                .register(registry);
        Gauge.builder("tandem.verify.rows.per.second", rowsPerSecond, AtomicReference::get)
                .tags(tags)
                .register(registry);
        Gauge.builder("tandem.verify.reconciliation.rate", this, ContinuousVerifier::successRate)
                .tags(tags)
                .description("the share of passes that found the sides reconciled")
                .register(registry);
        verifyMismatches = Counter.builder("tandem.verify.mismatches")
                .tags(tags.and("source", "verify"))
                .register(registry);
        shadowMismatches = Counter.builder("tandem.verify.mismatches")
                .tags(tags.and("source", "shadow"))
                .register(registry);
    }

    double successRate() {
        long n = passes.get();
        return n == 0 ? 1.0 : (double) reconciled.get() / n;
    }

    /** Runs passes until {@link #stop}, or until the thread is interrupted. */
    public void run() {
        while (!stopped && !Thread.currentThread().isInterrupted()) {
            pass();
            long until = System.nanoTime() + interval.toNanos();
            while (!stopped && System.nanoTime() < until) {
                try {
                    Thread.sleep(Math.min(200, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    public void stop() {
        stopped = true;
    }

    /** One pass: verify, record, export, and call the threshold hook when drift exceeds its bound. */
    public Verification pass() {
        Verification v;
        try {
            v = verifier.verify(migrationId);
        } catch (TandemException e) {
            LOG.error("continuous verification of {} could not run: {}", migrationId, e.getMessage());
            throw e;
        }
        passes.incrementAndGet();
        if (v.passed()) {
            reconciled.incrementAndGet();
        }
        driftRows.set(v.driftRows());
        rowsPerSecond.set(v.rowsPerSecond());
        verifyMismatches.increment(v.driftRows());
        readShadow(v.migrationId());
        if (v.driftRows() > v.maxDriftRows()) {
            LOG.error(
                    "tandem: {} drifted row(s) in {} exceed max_drift_rows {}; first keys: {}",
                    v.driftRows(),
                    v.migrationId(),
                    v.maxDriftRows(),
                    v.drift().stream().limit(10).map(Drift::key).toList());
            if (webhook != null) {
                post(v);
            }
        }
        onPass.accept(v);
        return v;
    }

    /** The clients' shadow-read mismatches since the last pass, onto the same counter's shadow series. */
    private void readShadow(String id) {
        try {
            ShadowReads shadow = Engine.create(store, EngineOptions.builder().build())
                    .clients(id)
                    .shadow();
            if (shadowSeen >= 0 && shadow.mismatched() > shadowSeen) {
                shadowMismatches.increment(shadow.mismatched() - shadowSeen);
            }
            shadowSeen = shadow.mismatched();
        } catch (TandemException e) {
            LOG.warn("the clients' shadow reads of {} could not be read: {}", id, e.getMessage());
        }
    }

    private void post(Verification v) {
        String body = "{\"migration\":\"" + json(v.migrationId()) + "\",\"drift_rows\":" + v.driftRows()
                + ",\"max_drift_rows\":" + v.maxDriftRows() + ",\"verification_id\":" + v.id() + ",\"keys\":["
                + String.join(
                        ",",
                        v.drift().stream()
                                .limit(10)
                                .map(d -> "\"" + json(d.key()) + "\"")
                                .toList()) + "]}";
        try {
            HttpResponse<Void> r = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(webhook)
                                    .timeout(Duration.ofSeconds(10))
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() >= 300) {
                LOG.error("the drift webhook {} answered {}", webhook, r.statusCode());
            }
        } catch (java.io.IOException e) {
            LOG.error("the drift webhook {} could not be called: {}", webhook, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String json(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
