package dev.tandem.testkit;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.random.RandomGenerator;

/**
 * Ordinary values of each {@link EdgeType}, for the rows between the edges. Each is written in the
 * form PostgreSQL prints it, so two values are equal in the database only when their texts are equal
 * (the generator relies on that to keep keys unique).
 */
final class RandomValues {
    private static final String TEXT_POOL = "abcxyzABCXYZ019 '\"\\,{}\n\téüß漢字かな한שםم";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private RandomValues() {}

    static String of(EdgeType type, RandomGenerator r) {
        return switch (type) {
            case SMALLINT -> Integer.toString(r.nextInt(Short.MIN_VALUE, Short.MAX_VALUE + 1));
            case INTEGER -> Integer.toString(r.nextInt());
            case BIGINT -> Long.toString(r.nextLong());
            case NUMERIC ->
                new BigDecimal(new BigInteger(digits(r, 1 + r.nextInt(40))), r.nextInt(20))
                        .multiply(BigDecimal.valueOf(r.nextBoolean() ? 1 : -1))
                        .toPlainString();
            case REAL -> Float.toString(finite(() -> Float.intBitsToFloat(r.nextInt())));
            case DOUBLE -> Double.toString(finiteDouble(r));
            case BOOLEAN -> Boolean.toString(r.nextBoolean());
            case TEXT -> text(r, r.nextInt(40));
            case DATE -> date(r).toString();
            case TIMESTAMP -> date(r) + " " + time(r);
            case TIMESTAMPTZ -> date(r) + " " + time(r) + offset(r);
            case TIME -> time(r);
            case TIMETZ -> time(r) + offset(r);
            case INTERVAL ->
                r.nextInt(-1000, 1000) + " mons " + r.nextInt(-1000, 1000) + " days "
                        + r.nextLong(-1_000_000_000_000L, 1_000_000_000_000L) + " microseconds";
            case UUID -> new java.util.UUID(r.nextLong(), r.nextLong()).toString();
            case BYTEA -> {
                byte[] bytes = new byte[r.nextInt(33)];
                r.nextBytes(bytes);
                yield "\\x" + HexFormat.of().formatHex(bytes);
            }
            case JSON, JSONB ->
                "{\"k" + r.nextInt(100) + "\":[" + r.nextInt() + ",\"" + jsonSafe(text(r, 8)) + "\","
                        + (r.nextBoolean() ? "null" : "true") + "]}";
            case INTEGER_ARRAY -> "{" + r.nextInt() + ",NULL," + r.nextInt() + "}";
            case TEXT_ARRAY -> "{\"" + arraySafe(text(r, 6)) + "\",NULL,\"" + arraySafe(text(r, 6)) + "\"}";
        };
    }

    private static String digits(RandomGenerator r, int count) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < count; i++) {
            s.append((char) ('0' + r.nextInt(10)));
        }
        return s.toString();
    }

    private static float finite(java.util.function.Supplier<Float> draw) {
        float f;
        do {
            f = draw.get();
        } while (!Float.isFinite(f));
        return f;
    }

    private static double finiteDouble(RandomGenerator r) {
        double d;
        do {
            d = Double.longBitsToDouble(r.nextLong());
        } while (!Double.isFinite(d));
        return d;
    }

    private static String text(RandomGenerator r, int length) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            s.append(TEXT_POOL.charAt(r.nextInt(TEXT_POOL.length())));
        }
        return s.toString();
    }

    /** Years 1 to 9999, printed the way PostgreSQL prints them. */
    private static LocalDate date(RandomGenerator r) {
        return LocalDate.ofEpochDay(r.nextLong(
                LocalDate.of(1, 1, 1).toEpochDay(), LocalDate.of(9999, 12, 31).toEpochDay()));
    }

    /** Whole seconds, so the text has no fraction whose trailing zeros PostgreSQL would drop. */
    private static String time(RandomGenerator r) {
        return LocalTime.ofSecondOfDay(r.nextInt(86_400)).format(TIME);
    }

    private static String offset(RandomGenerator r) {
        int quarterHours = r.nextInt(-48, 57); // -12:00 to +14:00
        return String.format(
                "%s%02d:%02d",
                quarterHours < 0 ? "-" : "+", Math.abs(quarterHours) / 4, Math.abs(quarterHours) % 4 * 15);
    }

    private static String jsonSafe(String s) {
        return s.replace("\\", "\\\\")
                .replace("\"", "\\\"")
                .replace("\n", "\\n")
                .replace("\t", "\\t");
    }

    private static String arraySafe(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
