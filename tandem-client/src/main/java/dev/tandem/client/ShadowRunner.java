package dev.tandem.client;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one migration's shadow reads. The caller's thread only decides whether to sample and offers
 * the work to a bounded queue (a full queue drops it, counted): it never waits and never sees an
 * error. A reader thread reads the other side, then hands the comparison to a thread of its own and
 * waits for it at most the configured timeout, so a comparator that hangs costs a thread, not the
 * shadow reads after it; when every comparing thread is stuck, comparisons are refused and counted
 * as errors. Thread-safe.
 */
final class ShadowRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ShadowRunner.class);

    private final String migration;
    private final ShadowReads config;
    private final ShadowTally tally;
    private final ClientMetrics metrics;
    private final Logs logs;
    private final Clock clock;
    private final ThreadPoolExecutor readers;
    private final ThreadPoolExecutor comparers;

    ShadowRunner(
            String migration, ShadowReads config, ShadowTally tally, ClientMetrics metrics, Logs logs, Clock clock) {
        this.migration = migration;
        this.config = config;
        this.tally = tally;
        this.metrics = metrics;
        this.logs = logs;
        this.clock = clock;
        this.readers = new ThreadPoolExecutor(
                config.threads(),
                config.threads(),
                0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(config.queueCapacity()),
                threads("tandem-shadow-read-" + migration + "-"),
                new ThreadPoolExecutor.AbortPolicy());
        this.comparers = new ThreadPoolExecutor(
                0,
                config.threads() + 2,
                10,
                TimeUnit.SECONDS,
                new SynchronousQueue<>(),
                threads("tandem-shadow-compare-" + migration + "-"),
                new ThreadPoolExecutor.AbortPolicy());
    }

    private static java.util.concurrent.ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r ->
                Thread.ofPlatform().name(prefix + n.incrementAndGet()).daemon().unstarted(r);
    }

    /** Whether this read is one of the sampled share. */
    boolean sampled() {
        double rate = config.sampleRate();
        return rate >= 1 || (rate > 0 && ThreadLocalRandom.current().nextDouble() < rate);
    }

    /**
     * Offers a comparison of {@code callerResult}, read on {@code callerSide}, with what {@code
     * otherRead} returns. Never throws.
     */
    void offer(String key, Side callerSide, Object callerResult, Callable<Object> otherRead) {
        try {
            readers.execute(() -> compare(key, callerSide, callerResult, otherRead));
        } catch (RejectedExecutionException full) {
            tally.dropped.incrementAndGet();
            metrics.shadow(migration, ClientMetrics.ShadowOutcome.DROPPED);
        }
    }

    private void compare(String key, Side callerSide, Object callerResult, Callable<Object> otherRead) {
        Object other;
        try {
            other = otherRead.call();
        } catch (Exception | LinkageError e) {
            error("the other side's read failed for key " + key, e);
            return;
        }
        Object oldResult = callerSide == Side.OLD ? callerResult : other;
        Object newResult = callerSide == Side.OLD ? other : callerResult;
        Future<List<FieldDiff>> comparison;
        try {
            comparison = comparers.submit(() -> config.comparator().compare(oldResult, newResult));
        } catch (RejectedExecutionException busy) {
            error("every comparing thread is busy (a comparator hangs?)", busy);
            return;
        }
        List<FieldDiff> diffs;
        try {
            diffs = comparison.get(config.timeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException slow) {
            comparison.cancel(true);
            error("the comparator took longer than " + config.timeout(), slow);
            return;
        } catch (ExecutionException failed) {
            error("the comparator failed", failed.getCause());
            return;
        } catch (InterruptedException stopping) {
            Thread.currentThread().interrupt();
            return;
        }
        tally.compared.incrementAndGet();
        metrics.shadow(migration, ClientMetrics.ShadowOutcome.COMPARED);
        if (diffs != null && !diffs.isEmpty()) {
            tally.mismatch(new ShadowSample(key, diffs, clock.instant()), config.samplesKept());
            metrics.shadow(migration, ClientMetrics.ShadowOutcome.MISMATCHED);
        }
    }

    private void error(String what, Throwable cause) {
        tally.errors.incrementAndGet();
        metrics.shadow(migration, ClientMetrics.ShadowOutcome.ERROR);
        logs.failure(
                LOG,
                "shadow-" + migration,
                "a shadow read of {} was not compared: {}: {}",
                migration,
                what,
                String.valueOf(cause));
    }

    @Override
    public void close() {
        readers.shutdownNow();
        comparers.shutdownNow();
    }
}
