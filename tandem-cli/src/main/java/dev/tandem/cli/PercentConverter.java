package dev.tandem.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads a share of routing keys as people write it: {@code 25} or {@code 25%}, from 0 to 100. */
final class PercentConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
        return parse(value);
    }

    static int parse(String value) {
        String text = value.strip();
        if (text.endsWith("%")) {
            text = text.substring(0, text.length() - 1).strip();
        }
        if (!text.matches("\\d{1,9}")) {
            throw new TypeConversionException(
                    "'" + value + "' is not a percentage: write a whole number from 0 to 100, as 25 or 25%");
        }
        int percent = Integer.parseInt(text);
        if (percent > 100) {
            throw new TypeConversionException("'" + value + "' is more than all of the routing keys: write 0 to 100");
        }
        return percent;
    }
}
