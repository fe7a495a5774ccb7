package dev.tandem.core;

import dev.tandem.core.PgrollTranslator.Translation;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Converts pgroll migrations (JSON or YAML, see pgroll's schema.json) into tandem migration files.
 *
 * <p>Operations carry over field for field, as tandem uses pgroll's vocabulary; the converter renames
 * the few fields tandem spells otherwise, writes out the defaults that differ, adds the deprecations
 * tandem needs for every drop and rename, and leaves out what tandem will not carry. Each such change
 * is a {@link ConversionNote} naming the pgroll file's line and column. Nothing is dropped silently.
 *
 * <p>Built with {@link #builder()}. Immutable and thread-safe. Methods throw {@link TandemException}:
 * {@link ErrorCode#SPEC_INVALID} for a file that is no pgroll migration (unreadable, malformed, an
 * unknown operation), with every problem of every file listed, and {@link ErrorCode#USAGE} for a file
 * that cannot be written.
 */
public final class PgrollConverter {
    /** How long after today the deprecations' sunset falls unless one is given. */
    public static final int DEFAULT_SUNSET_DAYS = 30;

    private static final List<String> EXTENSIONS = List.of(".json", ".yaml", ".yml");

    private final String service;
    private final String owner;
    private final LocalDate sunset;

    private PgrollConverter(String service, String owner, LocalDate sunset) {
        this.service = service;
        this.owner = owner;
        this.sunset = sunset;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The sunset written on every deprecation the converter adds. */
    public LocalDate sunset() {
        return sunset;
    }

    /**
     * Converts each file given, in order; a directory stands for its *.json, *.yaml and *.yml files,
     * sorted by name. Writes nothing: either every file converts, or the exception lists the problems
     * of all of them, including two files that would be written under one id.
     */
    public List<Conversion> convert(List<Path> filesOrDirs) {
        Problems problems = new Problems();
        List<Conversion> conversions = new ArrayList<>();
        Map<String, Conversion> byId = new HashMap<>();
        for (Path file : expand(filesOrDirs, problems)) {
            String text = read(file, problems);
            Conversion conversion = text == null ? null : convert(file.toString(), text, problems);
            if (conversion == null) {
                continue;
            }
            Conversion first = byId.putIfAbsent(conversion.id(), conversion);
            if (first != null) {
                problems.add(
                        new SourceLocation(conversion.source(), 1, 1),
                        "converts to id '" + conversion.id() + "', as " + first.source() + " does, and both would be"
                                + " written to " + conversion.fileName() + "; give one of them another 'name'");
            }
            conversions.add(conversion);
        }
        problems.throwIfAny("pgroll conversion");
        return List.copyOf(conversions);
    }

    /**
     * Converts {@code text} as the pgroll file {@code sourceName}: JSON or YAML as its extension says,
     * and with another extension JSON when the text starts with '{'. Writes nothing.
     */
    public Conversion convert(String sourceName, String text) {
        Problems problems = new Problems();
        Conversion conversion = convert(sourceName, text, problems);
        problems.throwIfAny(sourceName);
        return conversion;
    }

    /**
     * Writes the conversion to {@code directory} (created if need be) as {@link Conversion#fileName()},
     * replacing a file of that name, then reads the written file back with {@link MigrationFiles} and
     * lints it with {@link Linter}. The returned conversion carries what they found as notes.
     */
    public static Conversion write(Conversion conversion, Path directory) {
        Path file = directory.resolve(conversion.fileName());
        try {
            Files.createDirectories(directory);
            Files.writeString(file, conversion.text(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TandemException(ErrorCode.USAGE, "cannot write " + file + ": " + e, e);
        }
        List<ConversionNote> notes = new ArrayList<>(conversion.notes());
        notes.addAll(OutputCheck.check(file));
        return new Conversion(conversion.source(), conversion.id(), conversion.text(), notes, file);
    }

    private Conversion convert(String source, String text, Problems problems) {
        Problems found = new Problems();
        List<ConversionNote> notes = new ArrayList<>();
        Node root = NodeReader.read(source, text, format(source, text), found);
        Translation translation =
                root == null ? null : PgrollTranslator.translate(source, root, service, owner, sunset, found, notes);
        if (!found.isEmpty() || translation == null) {
            problems.addAll(found.sorted());
            return null;
        }
        notes.sort(Comparator.comparing(ConversionNote::location, Problems.BY_POSITION));
        return new Conversion(source, translation.id(), TandemYaml.write(translation.tree()), notes, null);
    }

    /** As {@link MigrationFiles} decides: by extension, else JSON when the text starts with '{'. */
    private static NodeReader.Format format(String source, String text) {
        String name = source.toLowerCase(Locale.ROOT);
        if (name.endsWith(".json")) {
            return NodeReader.Format.JSON;
        }
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            return NodeReader.Format.YAML;
        }
        return text.stripLeading().startsWith("{") ? NodeReader.Format.JSON : NodeReader.Format.YAML;
    }

    private static String read(Path file, Problems problems) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            problems.add(SourceLocation.unknown(file.toString()), "the file is not valid UTF-8; save it as UTF-8");
        } catch (IOException e) {
            problems.add(
                    SourceLocation.unknown(file.toString()),
                    "cannot read the file: " + (Files.notExists(file) ? "no such file" : e.toString()));
        }
        return null;
    }

    private static List<Path> expand(List<Path> filesOrDirs, Problems problems) {
        List<Path> files = new ArrayList<>();
        for (Path path : filesOrDirs) {
            if (!Files.isDirectory(path)) {
                files.add(path);
                continue;
            }
            try (Stream<Path> listing = Files.list(path)) {
                List<Path> found = listing.filter(Files::isRegularFile)
                        .filter(p -> EXTENSIONS.stream()
                                .anyMatch(p.getFileName().toString().toLowerCase(Locale.ROOT)::endsWith))
                        .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                        .toList();
                if (found.isEmpty()) {
                    problems.add(
                            SourceLocation.unknown(path.toString()), "the directory has no .json, .yaml or .yml file");
                }
                files.addAll(found);
            } catch (IOException e) {
                problems.add(SourceLocation.unknown(path.toString()), "cannot list the directory: " + e);
            }
        }
        return files;
    }

    /** Builds a {@link PgrollConverter}; service and owner are required. */
    public static final class Builder {
        private String service;
        private String owner;
        private LocalDate sunset;
        private Clock clock = Clock.systemDefaultZone();

        private Builder() {}

        /** The service that owns the converted migrations' store: their 'service'. */
        public Builder service(String service) {
            this.service = service;
            return this;
        }

        /** The team that owns the converted migrations: their 'owner'. */
        public Builder owner(String owner) {
            this.owner = owner;
            return this;
        }

        /**
         * The sunset of every deprecation added; by default {@value PgrollConverter#DEFAULT_SUNSET_DAYS}
         * days after today.
         */
        public Builder sunset(LocalDate sunset) {
            this.sunset = sunset;
            return this;
        }

        /** The clock that says what today is, for the default sunset. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** @throws TandemException with {@link ErrorCode#USAGE} when service or owner is missing or blank */
        public PgrollConverter build() {
            List<String> missing = new ArrayList<>();
            if (service == null || service.isBlank()) {
                missing.add("the service");
            }
            if (owner == null || owner.isBlank()) {
                missing.add("the owner");
            }
            if (!missing.isEmpty()) {
                throw new TandemException(
                        ErrorCode.USAGE,
                        "a tandem migration names its service and owner, which pgroll files do not; give "
                                + String.join(" and ", missing));
            }
            return new PgrollConverter(
                    service.strip(),
                    owner.strip(),
                    sunset != null ? sunset : LocalDate.now(clock).plusDays(DEFAULT_SUNSET_DAYS));
        }
    }
}
