package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class PercentConverterTest {
    @Test
    void shouldReadAWholePercentageWithOrWithoutItsSign() {
        assertThat(PercentConverter.parse("25")).isEqualTo(25);
        assertThat(PercentConverter.parse("25%")).isEqualTo(25);
        assertThat(PercentConverter.parse(" 0 % ")).isZero();
        assertThat(PercentConverter.parse("100%")).isEqualTo(100);
    }

    @Test
    void shouldRefuseAShareOutsideZeroToOneHundredOrNotAWholeNumber() {
        assertThatThrownBy(() -> PercentConverter.parse("150%"))
                .isInstanceOf(TypeConversionException.class)
                .hasMessage("'150%' is more than all of the routing keys: write 0 to 100");
        for (String bad : new String[] {"-5", "12.5%", "half", "", "%", "99999999999"}) {
            assertThatThrownBy(() -> PercentConverter.parse(bad))
                    .as(bad)
                    .isInstanceOf(TypeConversionException.class)
                    .hasMessageContaining("is not a percentage");
        }
    }
}
