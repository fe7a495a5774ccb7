package dev.tandem.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects the problems of one validation pass, so that every problem is reported at once. */
final class Problems {
    static final Comparator<SourceLocation> BY_POSITION = Comparator.comparing(SourceLocation::file)
            .thenComparingInt(SourceLocation::line)
            .thenComparingInt(SourceLocation::column);

    private final List<Problem> problems = new ArrayList<>();

    /**
     * The longest value a message quotes in full: twice PostgreSQL's identifier limit, so that a name
     * that is too long is still shown whole. Longer values are cut to {@link #QUOTE_CUT} characters.
     */
    static final int QUOTE_LIMIT = 128;

    static final int QUOTE_CUT = 64;

    /**
     * {@code value} in single quotes, cut (with its length) when longer than {@link #QUOTE_LIMIT}: a
     * 100 kB value in a file must not make a 100 kB message.
     */
    static String quote(String value) {
        if (value.length() <= QUOTE_LIMIT) {
            return "'" + value + "'";
        }
        int end = Character.isHighSurrogate(value.charAt(QUOTE_CUT - 1)) ? QUOTE_CUT - 1 : QUOTE_CUT;
        return "'" + value.substring(0, end) + "...' (" + value.length() + " characters)";
    }

    /** {@code values} quoted as a list, the first five in full and how many there are in all. */
    static String quoteAll(List<String> values) {
        List<String> shown = values.stream().limit(5).map(Problems::quote).toList();
        return "[" + String.join(", ", shown)
                + (values.size() > shown.size() ? ", ... (" + values.size() + " in all)" : "") + "]";
    }

    void add(SourceLocation location, String message) {
        problems.add(new Problem(location, message));
    }

    void addAll(List<Problem> more) {
        problems.addAll(more);
    }

    boolean isEmpty() {
        return problems.isEmpty();
    }

    /** The problems in file order (stable for problems at the same place). */
    List<Problem> sorted() {
        List<Problem> copy = new ArrayList<>(problems);
        copy.sort(Comparator.comparing(Problem::location, BY_POSITION));
        return List.copyOf(copy);
    }

    /** Throws {@link ErrorCode#SPEC_INVALID} listing every problem, if there is any. */
    void throwIfAny(String subject) {
        if (problems.isEmpty()) {
            return;
        }
        List<Problem> all = sorted();
        StringBuilder message = new StringBuilder(subject)
                .append(": ")
                .append(all.size())
                .append(all.size() == 1 ? " problem:" : " problems:");
        for (Problem problem : all) {
            message.append("\n  ").append(problem);
        }
        throw new TandemException(ErrorCode.SPEC_INVALID, message.toString(), all);
    }
}
