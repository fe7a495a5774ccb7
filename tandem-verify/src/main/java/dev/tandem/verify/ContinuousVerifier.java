package dev.tandem.verify;

import dev.tandem.core.TandemException;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.postgres.ShadowReads;
import dev.tandem.relay.MoveStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verification that keeps running ({@code tandem verify --continuous}): a pass every {@code interval}.
 * A pass re-verifies the keys of a move that changed since the last pass (applied by the relay either
 * way); every {@code sweepEvery}, and at the first pass, it sweeps the whole migration instead, as
 * {@code tandem verify} does, and records it (only sweeps count for the gate; a migration within one
 * store is swept at every pass). Each pass's figures are exported through Micrometer (drifted rows,
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
    private final Duration sweepEvery;
    private final ChangedKeys marks;
    private long lastSweep;
    private boolean swept;
    private final URI webhook;
    private final Consumer<Pass> onPass;
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
     * {@code interval}, sweeping it whole every {@code sweepEvery}; {@code webhook} may be null; {@code
     * onPass} sees each pass.
     */
    public ContinuousVerifier(
            Verifier verifier,
            DataSource store,
            String migrationId,
            Duration interval,
            Duration sweepEvery,
            MeterRegistry registry,
            URI webhook,
            Consumer<Pass> onPass) {
        this.verifier = verifier;
        this.store = store;
        this.migrationId = migrationId;
        this.interval = interval;
        this.sweepEvery = sweepEvery;
        this.marks = new ChangedKeys(MoveStatus.DEFAULT_MAX_LAG);
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
            try {
                pass();
            } catch (TandemException e) {
                // Logged by pass(); a store that is down for a while must not end the watch.
            }
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

    /**
     * One pass: a sweep ({@code recorded} is its verification) or a re-check of the changed keys
     * ({@code recorded} null); {@code rows} is rows compared or keys re-read.
     */
    public record Pass(
            boolean sweep,
            String migrationId,
            long rows,
            double rowsPerSecond,
            long driftRows,
            long maxDriftRows,
            long unresolved,
            List<Drift> drift,
            Verification recorded) {
        public Pass {
            drift = List.copyOf(drift);
        }

        public boolean passed() {
            return recorded != null ? recorded.passed() : driftRows <= maxDriftRows && unresolved == 0;
        }
    }

    /** One pass: verify, export, and call the threshold hook when drift exceeds its bound. */
    public Pass pass() {
        Pass p;
        try {
            Verifier.Subject subject = verifier.subject(migrationId);
            boolean sweep = !swept || subject.move() == null || System.nanoTime() - lastSweep >= sweepEvery.toNanos();
            if (sweep) {
                marks.advance(subject); // changes from here on are the next pass's
                lastSweep = System.nanoTime();
                swept = true;
                Verification v = verifier.verify(subject.id());
                p = new Pass(
                        true,
                        v.migrationId(),
                        v.rows(),
                        v.rowsPerSecond(),
                        v.driftRows(),
                        v.maxDriftRows(),
                        v.unresolved(),
                        v.drift(),
                        v);
            } else {
                long t0 = System.nanoTime();
                Verifier.ChangedPass c = verifier.changed(subject, marks);
                double seconds = Math.max((System.nanoTime() - t0) / 1e9, 1e-9);
                p = new Pass(
                        false,
                        subject.id(),
                        c.keys(),
                        c.keys() / seconds,
                        c.drift().size(),
                        subject.migration().verify().maxDriftRows(),
                        c.unresolved(),
                        c.drift().stream().limit(Verification.SAMPLE).toList(),
                        null);
            }
        } catch (TandemException | java.sql.SQLException e) {
            LOG.error("continuous verification of {} could not run: {}", migrationId, e.getMessage());
            throw e instanceof TandemException te
                    ? te
                    : new TandemException(dev.tandem.core.ErrorCode.DATABASE_ERROR, e.getMessage());
        }
        passes.incrementAndGet();
        if (p.passed()) {
            reconciled.incrementAndGet();
        }
        driftRows.set(p.driftRows());
        rowsPerSecond.set(p.rowsPerSecond());
        verifyMismatches.increment(p.driftRows());
        readShadow(p.migrationId());
        if (p.driftRows() > p.maxDriftRows()) {
            LOG.error(
                    "tandem: {} drifted row(s) in {} exceed max_drift_rows {}; first keys: {}",
                    p.driftRows(),
                    p.migrationId(),
                    p.maxDriftRows(),
                    p.drift().stream().limit(10).map(Drift::key).toList());
            if (webhook != null) {
                post(p);
            }
        }
        onPass.accept(p);
        return p;
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

    private void post(Pass v) {
        String body = "{\"migration\":\"" + json(v.migrationId()) + "\",\"drift_rows\":" + v.driftRows()
                + ",\"max_drift_rows\":" + v.maxDriftRows() + ",\"sweep\":" + v.sweep() + ",\"keys\":["
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
