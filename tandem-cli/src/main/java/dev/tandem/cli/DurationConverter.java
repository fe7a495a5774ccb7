package dev.tandem.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads durations as people write them: {@code 500ms}, {@code 2s}, {@code 1m30s}, {@code 1h}, or ISO-8601
 * ({@code PT2S}). A bare number is refused, because {@code 500} could mean milliseconds or seconds.
 */
final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern WHOLE = Pattern.compile("(\\d+(ms|s|m|h))+");
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h)");

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    static Duration parse(String value) {
        String text = value.strip().toLowerCase(Locale.ROOT);
        if (text.startsWith("pt")) {
            try {
                return requireNotNegative(Duration.parse(text), value);
            } catch (DateTimeParseException e) {
                throw invalid(value);
            }
        }
        if (text.matches("\\d+")) {
            throw new TypeConversionException("'" + value + "' has no unit: write " + text + "ms or " + text + "s");
        }
        if (!WHOLE.matcher(text).matches()) {
            throw invalid(value);
        }
        try {
            Duration total = Duration.ZERO;
            Matcher part = PART.matcher(text);
            while (part.find()) {
                long amount = Long.parseLong(part.group(1));
                total = total.plus(
                        switch (part.group(2)) {
                            case "ms" -> Duration.ofMillis(amount);
                            case "s" -> Duration.ofSeconds(amount);
                            case "m" -> Duration.ofMinutes(amount);
                            default -> Duration.ofHours(amount);
                        });
            }
            return total;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new TypeConversionException("'" + value + "' is too long a duration");
        }
    }

    private static Duration requireNotNegative(Duration d, String value) {
        if (d.isNegative()) {
            throw invalid(value);
        }
        return d;
    }

    private static TypeConversionException invalid(String value) {
        return new TypeConversionException(
                "'" + value + "' is not a duration: write for example 500ms, 2s, 1m30s or 1h");
    }
}
