package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DemoIT {

    @Test
    void shouldPassEveryCheckOfTheDemo() {
        CliRun run = CliRun.of("demo", "--rows", "20000", "--write-time", "500ms");

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out())
                .contains("Each shape reads the other's writes", "Phase COMPLETE.", "Phase ROLLED_BACK.")
                .contains("PASS: all")
                .doesNotContain("FAIL");
    }
}
