package dev.tandem.cli;

import java.io.Console;
import java.lang.reflect.Method;
import java.util.Map;

/** Whether a person is watching: decides between a progress bar and plain, periodic lines. */
final class Terminal {
    private Terminal() {}

    /**
     * True when this process talks to an interactive terminal, unless {@code TANDEM_PROGRESS=plain} or
     * {@code TERM=dumb} asks for plain lines.
     */
    static boolean interactive(Map<String, String> environment) {
        if ("plain".equalsIgnoreCase(environment.get("TANDEM_PROGRESS")) || "dumb".equals(environment.get("TERM"))) {
            return false;
        }
        Console console = System.console();
        if (console == null) {
            return false;
        }
        // From Java 22 System.console() may return a console even when output is redirected;
        // Console.isTerminal() (22+) tells the two apart. We compile for 21, hence reflection.
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (NoSuchMethodException e) {
            return true; // Java 21: a console exists only when stdin and stdout are a terminal
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
