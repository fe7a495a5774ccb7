package dev.tandem.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** The demo's correctness checks: each is printed as it is made, and failures are kept for the end. */
final class DemoChecks {
    private final PrintWriter out;
    private final List<String> failures = new ArrayList<>();
    private int passed;

    DemoChecks(PrintWriter out) {
        this.out = out;
    }

    /** Records one check; {@code detail} says what was found instead when it fails. */
    void check(boolean ok, String what, String detail) {
        if (ok) {
            passed++;
            out.println("    ok    " + what);
        } else {
            failures.add(what + ": " + detail);
            out.println("    FAIL  " + what);
            out.println("          " + detail);
        }
        out.flush();
    }

    /** Two values that must be equal. */
    void equal(Object expected, Object actual, String what) {
        check(expected.equals(actual), what, "expected " + expected + ", found " + actual);
    }

    int passed() {
        return passed;
    }

    List<String> failures() {
        return List.copyOf(failures);
    }
}
