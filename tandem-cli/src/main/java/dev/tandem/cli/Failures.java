package dev.tandem.cli;

import dev.tandem.core.Problem;
import dev.tandem.core.TandemException;
import java.io.PrintWriter;
import picocli.CommandLine.ParameterException;

/** Turns any failure into an exit code and a message for people: never a bare stack trace. */
final class Failures {
    static final int REFUSED = 1;
    static final int USAGE = 2;
    static final int FAILED = 3;

    private Failures() {}

    /**
     * 1, 2 or 3 as its {@link dev.tandem.core.ErrorCode} says for a {@link TandemException}; 2 for a
     * command-line usage error; 3 for anything else, which tandem did not expect.
     */
    static int exitCode(Throwable failure) {
        if (failure instanceof TandemException e) {
            return e.code().exitCode();
        }
        if (failure instanceof ParameterException) {
            return USAGE;
        }
        return FAILED;
    }

    /**
     * Prints what failed to {@code err}, every problem once and on its own line, and returns the exit
     * code.
     */
    static int report(Throwable failure, PrintWriter err, boolean debug) {
        if (failure instanceof TandemException e) {
            String message = String.valueOf(e.getMessage());
            err.println("error [" + e.code() + "]: " + message);
            // Validation messages usually list their problems already; a problem the message does not
            // name is added, so each appears exactly once whoever built the message.
            for (Problem problem : e.problems()) {
                if (!message.contains(problem.toString())) {
                    err.println("  " + problem);
                }
            }
            Throwable cause = rootCause(e);
            if (cause != e && cause.getMessage() != null && !message.contains(cause.getMessage())) {
                err.println("  caused by: " + describe(cause));
            }
        } else {
            err.println("error: unexpected failure: " + describe(failure));
            if (!debug) {
                err.println("  (set TANDEM_DEBUG=1 to print the stack trace)");
            }
        }
        if (debug) {
            failure.printStackTrace(err);
        }
        err.flush();
        return exitCode(failure);
    }

    private static String describe(Throwable t) {
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private static Throwable rootCause(Throwable t) {
        Throwable cause = t;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }
}
