package dev.tandem.core;

import dev.tandem.core.NodeReader.Format;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads and validates migration files (YAML or JSON; see DESIGN.md, "Migration files").
 *
 * <p>Validation collects every problem of a file in one pass; each names its file, line and column.
 * Every method throws {@link TandemException} with {@link ErrorCode#SPEC_INVALID} when a file cannot
 * be read or has any problem; {@link TandemException#problems()} lists them all. Thread-safe.
 */
public final class MigrationFiles {
    private static final List<String> EXTENSIONS = List.of(".yaml", ".yml", ".json");

    private MigrationFiles() {}

    /**
     * Reads one file as UTF-8: {@code .yaml} and {@code .yml} as YAML, {@code .json} as JSON, anything
     * else as JSON when it starts with '{' and as YAML otherwise.
     */
    public static Migration parse(Path file) {
        String source = file.toString();
        return parse(source, read(file), format(source, true));
    }

    /** Parses {@code text} as the file {@code sourceName}: JSON when it ends in .json, YAML otherwise. */
    public static Migration parse(String sourceName, String text) {
        return parse(sourceName, text, format(sourceName, false));
    }

    /**
     * Parses every file given, in order; a directory stands for its *.yaml, *.yml and *.json files,
     * sorted by name. Problems of all files, and ids used twice, are reported together.
     */
    public static List<Migration> parseAll(List<Path> filesOrDirs) {
        Problems problems = new Problems();
        List<Migration> migrations = new ArrayList<>();
        Map<String, Migration> byId = new HashMap<>();
        List<Path> files = expand(filesOrDirs, problems);
        for (Path file : files) {
            try {
                Migration migration = parse(file);
                migrations.add(migration);
                Migration first = byId.putIfAbsent(migration.id(), migration);
                if (first != null) {
                    problems.add(
                            new SourceLocation(migration.source(), 1, 1),
                            "id '" + migration.id() + "' is also used by " + first.source());
                }
            } catch (TandemException e) {
                if (e.problems().isEmpty()) {
                    problems.add(SourceLocation.unknown(file.toString()), e.getMessage());
                } else {
                    problems.addAll(e.problems());
                }
            }
        }
        problems.throwIfAny(files.size() == 1 ? files.getFirst().toString() : files.size() + " migration files");
        return List.copyOf(migrations);
    }

    /** Lowercase hex SHA-256 of {@code text} with CRLF line endings read as LF. */
    static String checksum(String text) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            byte[] digest = sha256.digest(text.replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** The file name of {@code source} without directories and extension. */
    static String baseName(String source) {
        String name = source.substring(Math.max(source.lastIndexOf('/'), source.lastIndexOf('\\')) + 1);
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static Migration parse(String source, String text, Format format) {
        Problems problems = new Problems();
        Format chosen = format != null ? format : text.stripLeading().startsWith("{") ? Format.JSON : Format.YAML;
        Node root = NodeReader.read(source, text, chosen, problems);
        Migration migration = root == null ? null : MigrationReader.read(root, source, text, checksum(text), problems);
        problems.throwIfAny(source);
        return migration;
    }

    /** The format by extension; null when the content must decide. */
    private static Format format(String source, boolean sniffUnknown) {
        String name = source.toLowerCase(Locale.ROOT);
        if (name.endsWith(".json")) {
            return Format.JSON;
        }
        if (name.endsWith(".yaml") || name.endsWith(".yml") || !sniffUnknown) {
            return Format.YAML;
        }
        return null;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw new TandemException(
                    ErrorCode.SPEC_INVALID, file + ": the file is not valid UTF-8; save it as UTF-8", e);
        } catch (IOException e) {
            String reason = Files.notExists(file) ? "no such file" : e.toString();
            throw new TandemException(ErrorCode.SPEC_INVALID, "cannot read migration file " + file + ": " + reason, e);
        }
    }

    private static List<Path> expand(List<Path> filesOrDirs, Problems problems) {
        List<Path> files = new ArrayList<>();
        for (Path path : filesOrDirs) {
            if (!Files.isDirectory(path)) {
                files.add(path);
                continue;
            }
            try (Stream<Path> listing = Files.list(path)) {
                listing.filter(Files::isRegularFile)
                        .filter(p -> EXTENSIONS.stream()
                                .anyMatch(p.getFileName().toString().toLowerCase(Locale.ROOT)::endsWith))
                        .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                        .forEach(files::add);
            } catch (IOException e) {
                problems.add(SourceLocation.unknown(path.toString()), "cannot list the directory: " + e);
            }
        }
        return files;
    }
}
