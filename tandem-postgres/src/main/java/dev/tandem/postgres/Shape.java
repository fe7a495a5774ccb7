package dev.tandem.postgres;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import java.util.Locale;

/**
 * The whole shape an in-store migration's clients use, as {@code tandem.flags.shape} holds it: the
 * tables as they are ({@link #OLD}) or the version schema's views ({@link #NEW}).
 */
public enum Shape {
    OLD,
    NEW;

    /** The name in {@code tandem.flags} and on the command line: {@code old} or {@code new}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Reads {@code old} or {@code new}, in any case; throws USAGE for anything else. */
    public static Shape parse(String text) {
        for (Shape s : values()) {
            if (s.wireName().equalsIgnoreCase(text == null ? "" : text.strip())) {
                return s;
            }
        }
        throw new TandemException(ErrorCode.USAGE, "'" + text + "' is not a shape: write old or new");
    }
}
