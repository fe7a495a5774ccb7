package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class StepRunnerTest {
    private final StepRunner runner =
            new StepRunner(EngineOptions.defaults(), RandomGenerator.of("L64X128MixRandom"), d -> {});

    @Test
    void shouldBackOffExponentiallyWithJitterAndACap() {
        for (int attempt = 1; attempt <= 12; attempt++) {
            long ceiling = Math.min(5000, 100L << (attempt - 1));
            Duration d = runner.backoff(attempt);
            assertThat(d.toMillis()).isBetween(ceiling / 2, ceiling);
        }
    }
}
