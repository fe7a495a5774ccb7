package dev.tandem.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/** Numbers and durations formatted for people. */
final class Human {
    private Human() {}

    /** {@code 200000} as {@code 200,000}. */
    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** {@code 12 ms}, {@code 1.4 s}, {@code 2m05s}, {@code 1h02m}. */
    static String duration(Duration d) {
        if (d == null) {
            return "unknown";
        }
        long millis = d.toMillis();
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
        }
        long seconds = d.toSeconds();
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
    }

    /** An instant to the second, in UTC: {@code 2025-11-25T12:04:31Z}; "-" when null. */
    static String instant(Instant at) {
        return at == null ? "-" : at.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** {@code 0.4567} as {@code 46%}. */
    static String percent(double fraction) {
        return Math.round(fraction * 100) + "%";
    }
}
