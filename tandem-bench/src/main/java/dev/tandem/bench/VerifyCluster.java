package dev.tandem.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The private PostgreSQL 15 cluster of the verification benchmark, started and stopped by {@code
 * tandem-bench/scripts/pg15-comparator.sh} (which also installs pg_comparator): Debian's pgcmp extension,
 * the server side of pg_comparator, is built for Debian's PostgreSQL 15 only. Its databases are the
 * benchmark's stores. fsync, synchronous_commit and full_page_writes keep their durable defaults.
 *
 * <p>Not thread-safe: the benchmark drives it from one thread. Close it to stop the server and delete
 * its directory.
 */
final class VerifyCluster implements AutoCloseable {
    /** Where the script is, from the repository's root (where the README runs the jar). */
    private static final Path SCRIPT = Path.of("tandem-bench/scripts/pg15-comparator.sh");

    private final Path script;
    private final Path dir;
    private final int port;

    private VerifyCluster(Path script, Path dir, int port) {
        this.script = script;
        this.dir = dir;
        this.port = port;
    }

    static VerifyCluster start() throws IOException, InterruptedException {
        Path script = script();
        // Directly under the temp root: the server runs as another user, who must reach its directory.
        Path dir = Files.createTempDirectory("tandem-verify-pg15-");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        BenchDb.log("verify: starting a PostgreSQL 15 cluster in " + dir + " on port " + port);
        String out = run(script, "start", dir.toString(), Integer.toString(port));
        if (!out.strip().equals(Integer.toString(port))) {
            throw new IllegalStateException("pg15-comparator.sh start printed " + out + ", not the port " + port);
        }
        return new VerifyCluster(script, dir, port);
    }

    private static Path script() {
        if (Files.isRegularFile(SCRIPT)) {
            return SCRIPT;
        }
        // Beside the jar: tandem-bench/target/tandem-bench.jar -> tandem-bench/scripts.
        try {
            Path jar = Path.of(VerifyCluster.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            Path beside = jar.getParent().resolveSibling("scripts").resolve(SCRIPT.getFileName());
            if (Files.isRegularFile(beside)) {
                return beside;
            }
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // fall through to the message below
        }
        throw new IllegalStateException("cannot find " + SCRIPT + ": run the benchmark from the repository's root");
    }

    /** Runs the script; returns its standard output. Its standard error (the server's steps) goes to ours. */
    private static String run(Path script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(script + " " + String.join(" ", args) + " failed (see above)");
        }
        return out;
    }

    int port() {
        return port;
    }

    /** A new database with the pgcmp extension (pg_comparator's checksum functions) in it. */
    Store create(String database) {
        admin().exec("CREATE DATABASE " + database);
        Store store = new Store(database, port, database);
        store.exec("CREATE EXTENSION pgcmp");
        return store;
    }

    /**
     * A copy of {@code template}, file by file: a copy of a 10M-row table in seconds, where loading it
     * again takes a minute. Nobody may be connected to the template.
     */
    Store copy(Store template, String database) {
        admin().exec("CREATE DATABASE " + database + " TEMPLATE " + template.database() + " STRATEGY FILE_COPY");
        return new Store(database, port, database);
    }

    void drop(Store store) {
        admin().exec("DROP DATABASE IF EXISTS " + store.database() + " WITH (FORCE)");
    }

    private Store admin() {
        return new Store("admin", port, "postgres");
    }

    /** The server's settings that matter to the figures, as it reports them. */
    Map<String, Object> settings() {
        Map<String, Object> settings = new LinkedHashMap<>();
        for (String name : List.of(RelayServers.REPORTED)) {
            settings.put(name, admin().query("SHOW " + name));
        }
        settings.put(
                "pgcmp", admin().query("SELECT default_version FROM pg_available_extensions WHERE name = 'pgcmp'"));
        return settings;
    }

    @Override
    public void close() {
        try {
            run(script, "stop", dir.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
