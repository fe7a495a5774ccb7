package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {

    @Test
    void shouldReadDurationsAsPeopleWriteThem() {
        assertThat(DurationConverter.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(DurationConverter.parse("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(DurationConverter.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(DurationConverter.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(DurationConverter.parse(" 2S ")).isEqualTo(Duration.ofSeconds(2));
        assertThat(DurationConverter.parse("1s500ms")).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void shouldAcceptIso8601() {
        assertThat(DurationConverter.parse("PT2S")).isEqualTo(Duration.ofSeconds(2));
        assertThat(DurationConverter.parse("PT0.5S")).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void shouldRefuseABareNumberAndSuggestUnits() {
        assertThatThrownBy(() -> DurationConverter.parse("500"))
                .isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("500ms or 500s");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "fast", "-1s", "1.5s", "2 s", "ms", "1d", "PT-1S", "99999999999999999999h"})
    void shouldRefuseWhatIsNotADuration(String text) {
        assertThatThrownBy(() -> DurationConverter.parse(text)).isInstanceOf(TypeConversionException.class);
    }
}
