package dev.tandem.cli;

import dev.tandem.postgres.BackfillProgress;
import dev.tandem.postgres.EngineListener;
import dev.tandem.postgres.PlannedStep;
import java.io.PrintWriter;
import java.text.DecimalFormat;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * Shows what the engine does as it does it: one line per step, every retry, and the backfill as a
 * progress bar on a terminal (on standard error, so standard output stays clean) or as a plain line
 * every few seconds otherwise. Thread-safe; close it to finish any progress bar.
 */
final class ConsoleListener implements EngineListener, AutoCloseable {
    private static final long PLAIN_INTERVAL_NANOS = Duration.ofSeconds(1).toNanos();

    private final PrintWriter out;
    private final boolean interactive;
    private final LongSupplier nanoTime;
    private boolean lineOpen;
    private ProgressBar bar;
    private String barTable;
    private long lastPlainLine;
    private BackfillProgress.State lastState;

    ConsoleListener(PrintWriter out, boolean interactive, LongSupplier nanoTime) {
        this.out = out;
        this.interactive = interactive;
        this.nanoTime = nanoTime;
    }

    static ConsoleListener create(PrintWriter out, boolean interactive) {
        return new ConsoleListener(out, interactive, System::nanoTime);
    }

    @Override
    public synchronized void stepStarted(PlannedStep step) {
        endLine();
        out.print("  " + stage(step) + step.description() + " ... ");
        out.flush();
        lineOpen = true;
    }

    @Override
    public synchronized void stepFinished(PlannedStep step, Duration took) {
        closeBar();
        if (lineOpen) {
            out.println("ok (" + Human.duration(took) + ")");
            lineOpen = false;
        } else {
            out.println("  " + stage(step) + step.description() + " ... ok (" + Human.duration(took) + ")");
        }
    }

    @Override
    public synchronized void retrying(PlannedStep step, int attempt, int maxAttempts, Duration backoff, String reason) {
        endLine();
        out.printf("  ! attempt %d of %d: %s; retrying in %s%n", attempt, maxAttempts, reason, Human.duration(backoff));
    }

    @Override
    public synchronized void info(String message) {
        endLine();
        out.println("  " + message);
    }

    @Override
    public synchronized void backfillProgress(BackfillProgress progress) {
        endLine();
        if (interactive) {
            showBar(progress);
        } else {
            showPlain(progress);
        }
    }

    /** Finishes any progress bar and open line, before the caller prints; the listener stays usable. */
    synchronized void finish() {
        closeBar();
        endLine();
        out.flush();
    }

    @Override
    public void close() {
        finish();
    }

    private void showBar(BackfillProgress p) {
        if (bar != null && !p.table().equals(barTable)) {
            closeBar();
        }
        if (bar == null) {
            if (p.state() != BackfillProgress.State.RUNNING) {
                showPlain(p);
                return;
            }
            bar = new ProgressBarBuilder()
                    .setTaskName("backfill " + p.table())
                    .setInitialMax(Math.max(p.rowsTotal(), p.rowsDone()))
                    .startsFrom(p.rowsDone(), Duration.ZERO)
                    .setUnit(" rows", 1)
                    .showSpeed(new DecimalFormat("#,##0"))
                    .setUpdateIntervalMillis(200)
                    .build();
            barTable = p.table();
        }
        // rowsTotal is an estimate: when done, the rows done are the total.
        bar.maxHint(p.state() == BackfillProgress.State.DONE ? p.rowsDone() : Math.max(p.rowsTotal(), p.rowsDone()));
        bar.stepTo(p.rowsDone());
        if (p.state() != BackfillProgress.State.RUNNING) {
            closeBar();
            out.println("  backfill " + p.table() + ": " + describeState(p));
        }
    }

    private void showPlain(BackfillProgress p) {
        long now = nanoTime.getAsLong();
        boolean stateChanged = p.state() != lastState;
        if (!stateChanged && now - lastPlainLine < PLAIN_INTERVAL_NANOS) {
            return;
        }
        lastPlainLine = now;
        lastState = p.state();
        out.println("  backfill " + p.table() + ": " + plainLine(p));
    }

    /** {@code 90,000 / 200,000 rows (45%), 30,000 rows/s, ETA 3.7 s, running}. */
    static String plainLine(BackfillProgress p) {
        StringBuilder line = new StringBuilder()
                .append(Human.count(p.rowsDone()))
                .append(" / ")
                .append(Human.count(p.rowsTotal()))
                .append(" rows (")
                .append(Human.percent(p.fraction()))
                .append(")");
        if (p.state() == BackfillProgress.State.RUNNING) {
            line.append(", ").append(Human.count(Math.round(p.rowsPerSecond()))).append(" rows/s");
            if (p.eta() != null) {
                line.append(", ETA ").append(Human.duration(p.eta()));
            }
        }
        return line.append(", ").append(describeState(p)).toString();
    }

    private static String describeState(BackfillProgress p) {
        return switch (p.state()) {
            case NOT_STARTED -> "not started";
            case RUNNING -> "running";
            case PAUSED -> "paused; go on with `tandem backfill --resume`";
            case INTERRUPTED -> "interrupted; go on with `tandem backfill --resume`";
            case FAILED -> "failed: " + p.failure();
            case DONE -> "done (" + Human.count(p.rowsDone()) + " rows)";
        };
    }

    private static String stage(PlannedStep step) {
        return String.format(Locale.ROOT, "%-9s ", step.stage().name().toLowerCase(Locale.ROOT));
    }

    private void endLine() {
        if (lineOpen) {
            out.println();
            lineOpen = false;
        }
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
            barTable = null;
        }
    }
}
