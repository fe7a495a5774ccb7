package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.postgres.BackfillProgress;
import dev.tandem.postgres.BackfillProgress.State;
import dev.tandem.postgres.LockMode;
import dev.tandem.postgres.PlannedStep;
import dev.tandem.postgres.Stage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConsoleListenerTest {
    private static final PlannedStep STEP = new PlannedStep(
            Stage.EXPAND, "add column first_name", "ALTER TABLE ...", LockMode.ACCESS_EXCLUSIVE, true, "instant");

    private final StringWriter out = new StringWriter();
    private final AtomicLong nanos = new AtomicLong();
    private final ConsoleListener listener = new ConsoleListener(new PrintWriter(out), false, nanos::get);

    @Test
    void shouldPrintOneLinePerStep() {
        listener.stepStarted(STEP);
        listener.stepFinished(STEP, Duration.ofMillis(12));
        listener.close();

        assertThat(out.toString())
                .isEqualTo("  expand    add column first_name ... ok (12 ms)" + System.lineSeparator());
    }

    @Test
    void shouldPrintEveryRetryVisiblyOnItsOwnLine() {
        listener.stepStarted(STEP);
        listener.retrying(STEP, 2, 10, Duration.ofMillis(150), "lock timeout: another session holds customers");
        listener.stepFinished(STEP, Duration.ofMillis(700));
        listener.close();

        assertThat(out.toString().lines())
                .containsExactly(
                        "  expand    add column first_name ... ",
                        "  ! attempt 2 of 10: lock timeout: another session holds customers; retrying in 150 ms",
                        "  expand    add column first_name ... ok (700 ms)");
    }

    @Test
    void shouldPrintPlainProgressAtMostOnceASecondAndOnEveryChangeOfState() {
        listener.backfillProgress(progress(1_000, State.RUNNING));
        nanos.addAndGet(Duration.ofMillis(300).toNanos());
        listener.backfillProgress(progress(2_000, State.RUNNING));
        nanos.addAndGet(Duration.ofMillis(800).toNanos());
        listener.backfillProgress(progress(50_000, State.RUNNING));
        listener.backfillProgress(progress(100_000, State.DONE));
        listener.close();

        assertThat(out.toString().lines())
                .containsExactly(
                        "  backfill customers: 1,000 / 100,000 rows (1%), 20,000 rows/s, ETA 5.0 s, running",
                        "  backfill customers: 50,000 / 100,000 rows (50%), 20,000 rows/s, ETA 5.0 s, running",
                        "  backfill customers: 100,000 / 100,000 rows (100%), done (100,000 rows)");
    }

    @Test
    void shouldTellHowToGoOnAfterAPause() {
        assertThat(ConsoleListener.plainLine(progress(40_000, State.PAUSED)))
                .isEqualTo("40,000 / 100,000 rows (40%), paused; go on with `tandem backfill --resume`");
    }

    private static BackfillProgress progress(long done, State state) {
        return new BackfillProgress("customers", done, 100_000, 20_000, Duration.ofSeconds(5), state);
    }
}
