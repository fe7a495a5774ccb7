package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The demo, run once, in its three parts: each must pass every check it makes. */
class DemoIT {
    private static CliRun run;

    @BeforeAll
    static void runTheDemo() {
        run = CliRun.of("demo", "--rows", "20000", "--write-time", "500ms", "--orders", "5000");
    }

    @Test
    void shouldPassEveryCheckOfTheDemo() {
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out())
                .contains("Each shape reads the other's writes", "Phase COMPLETE.", "Phase ROLLED_BACK.")
                .contains("PASS: all")
                .doesNotContain("FAIL");
    }

    @Test
    void shouldMoveATableThroughARelayProcessThatIsKilledAndRestartedThenCutItOverThroughTheClient() {
        assertThat(run.out()).as(run.out() + run.err()).contains("== 3 of 3");
        String move = run.out().substring(run.out().indexOf("== 3 of 3"));
        assertThat(Pattern.compile("Relay process \\d+ started").matcher(move).results())
                .as(move)
                .hasSize(2);
        assertThat(move)
                .contains("(SIGKILL) while it delivers: exit code 137")
                .contains("relay: stopped;", "exit code 143 (128 + 15, SIGTERM)")
                .contains(
                        "ok    both writers wrote to orders without a single error",
                        "ok    the first relay delivered what was captured before it started",
                        "ok    the second relay took over the backlog the killed one left",
                        "ok    the outbox is empty once the writers stopped, and no change was parked",
                        "ok    the relay delivered the batch in hand and exited within",
                        "ok    billing.invoices equals orders mapped through columns",
                        "ok    tandem verify passed: billing.invoices equals orders mapped through columns",
                        "ok    tandem verify failed (exit 1) and named both keys",
                        "ok    tandem cutover is refused while the last verification failed",
                        "ok    tandem verify --repair rewrote the 2 keys and verified clean",
                        "fence: writes to public.orders held",
                        "fence: writes to public.invoices in store billing held",
                        "ok    every write through tandem-client succeeded, on one side at a time, through three fences",
                        "Phase COMPLETE; the client sees stage complete.",
                        "ok    orders refuses application writes after complete")
                .doesNotContain("FAIL");
    }
}
