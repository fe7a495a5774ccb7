package dev.tandem.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * {@code tandem relay} in a process of its own, as an operator runs it: {@code java -jar tandem.jar
 * relay ...} when the demo runs from the tandem jar, else the same main class on the demo's own class
 * path (as in the tests). Its output is copied to the demo's, each line marked with its pid.
 */
final class DemoRelay {
    /**
     * The relay's work is light, and it shares a small machine with the demo's database and writers: the
     * client compiler alone and the serial collector start it in about half the time, with fewer threads.
     */
    static final List<String> JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private final Process process;
    private final long startedNanos;
    private final Thread output;
    /** What the relay has said so far: written by the output thread, read by the demo's. */
    private volatile boolean delivering;

    private volatile boolean saidStopped;

    private DemoRelay(Process process, long startedNanos, PrintWriter out) {
        this.process = process;
        this.startedNanos = startedNanos;
        this.output = new Thread(() -> copy(out), "demo-relay-" + process.pid() + "-output");
        output.setDaemon(true);
        output.start();
    }

    /** The command line that runs {@code tandem} with {@code args}; the shown form is {@link #shown}. */
    private static List<String> command(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        Path jar = tandemJar();
        if (jar != null) {
            command.addAll(List.of("-jar", jar.toString()));
        } else {
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), TandemCli.class.getName()));
        }
        command.addAll(args);
        return command;
    }

    /** The command as the demo prints it: the jar by its name, the class path left out. */
    static String shown(List<String> args) {
        Path jar = tandemJar();
        String java = "java " + String.join(" ", JVM_OPTIONS) + " "
                + (jar != null ? "-jar " + jar.getFileName() : "-cp <class path> " + TandemCli.class.getName());
        return java + " " + String.join(" ", args);
    }

    /** The jar this class was loaded from, if it is the runnable tandem jar; null otherwise. */
    private static Path tandemJar() {
        try {
            Path location = Path.of(DemoRelay.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            if (!Files.isRegularFile(location)) {
                return null;
            }
            try (JarFile jar = new JarFile(location.toFile())) {
                // the thin module jar (in the tests, say) has no Main-Class, and none of the dependencies
                Manifest manifest = jar.getManifest();
                String main =
                        manifest == null ? null : manifest.getMainAttributes().getValue("Main-Class");
                return TandemCli.class.getName().equals(main) ? location : null;
            }
        } catch (URISyntaxException | IOException | SecurityException e) {
            return null;
        }
    }

    /** Starts a relay with {@code args}; its output goes to {@code out} as it comes. */
    static DemoRelay start(List<String> args, PrintWriter out) {
        try {
            long startedNanos = System.nanoTime();
            Process process =
                    new ProcessBuilder(command(args)).redirectErrorStream(true).start();
            return new DemoRelay(process, startedNanos, out);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the relay process: " + e.getMessage(), e);
        }
    }

    long pid() {
        return process.pid();
    }

    /** When the process was started, on {@link System#nanoTime()}'s scale. */
    long startedNanos() {
        return startedNanos;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Whether the relay has said it is delivering. */
    boolean delivering() {
        return delivering;
    }

    /** Whether the relay said it stopped, after delivering the batch in hand. */
    boolean saidStopped() {
        return saidStopped;
    }

    /** SIGKILL: the relay gets no chance to finish anything. Returns the exit code. */
    int kill() throws InterruptedException {
        process.destroyForcibly();
        int code = process.waitFor();
        output.join(Duration.ofSeconds(5));
        return code;
    }

    /**
     * SIGTERM, then waits up to {@code bound} for the relay to exit. Returns its exit code, or null when
     * it was still running at the bound (and then it is killed).
     */
    Integer terminate(Duration bound) throws InterruptedException {
        // Process.destroy() would also close this end of the relay's output, losing what it says as it
        // stops; its handle sends the same SIGTERM and leaves the pipe open.
        process.toHandle().destroy();
        if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
            return null;
        }
        output.join(Duration.ofSeconds(5));
        return process.exitValue();
    }

    private void copy(PrintWriter out) {
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("relay: delivering")) {
                    delivering = true;
                } else if (line.startsWith("relay: stopped")) {
                    saidStopped = true;
                }
                out.println("  [relay " + process.pid() + "] " + line);
                out.flush();
            }
        } catch (IOException e) {
            // the process is gone, and its output with it
        }
    }
}
