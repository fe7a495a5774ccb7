package dev.tandem.postgres;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * PostgreSQL's serial shorthands: not types, but an integer column with a default from a sequence the
 * column owns (and NOT NULL). tandem gives them the same meaning wherever a file names a type.
 */
final class SerialTypes {
    private static final Map<String, String> INTEGER_TYPES = Map.of(
            "smallserial", "smallint",
            "serial2", "smallint",
            "serial", "integer",
            "serial4", "integer",
            "bigserial", "bigint",
            "serial8", "bigint");

    private SerialTypes() {}

    /** The integer type a serial shorthand stands for, or empty when {@code type} is not one. */
    static Optional<String> integerType(String type) {
        return Optional.ofNullable(
                type == null ? null : INTEGER_TYPES.get(type.strip().toLowerCase(Locale.ROOT)));
    }

    /** The type itself, or the integer type it stands for: what {@code NULL::type} accepts. */
    static String castable(String type) {
        return integerType(type).orElse(type);
    }
}
