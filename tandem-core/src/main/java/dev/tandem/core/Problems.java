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
