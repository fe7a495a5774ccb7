package dev.tandem.core;

import java.util.List;

/**
 * The one root of every error tandem raises. The message says what happened, where, and what to do
 * next; {@link #problems()} lists every individual problem when validation found several.
 */
public class TandemException extends RuntimeException {
    private final ErrorCode code;
    private final List<Problem> problems;

    public TandemException(ErrorCode code, String message) {
        this(code, message, List.of(), null);
    }

    public TandemException(ErrorCode code, String message, Throwable cause) {
        this(code, message, List.of(), cause);
    }

    public TandemException(ErrorCode code, String message, List<Problem> problems) {
        this(code, message, problems, null);
    }

    private TandemException(ErrorCode code, String message, List<Problem> problems, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.problems = List.copyOf(problems);
    }

    public ErrorCode code() {
        return code;
    }

    /** Every problem found, each with its location; empty when the message says it all. */
    public List<Problem> problems() {
        return problems;
    }
}
