package dev.tandem.cli;

import dev.tandem.core.Conversion;
import dev.tandem.core.ConversionNote;
import dev.tandem.core.ConversionNote.Kind;
import dev.tandem.core.PgrollConverter;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

@Command(
        name = "convert",
        description = {
            "Write tandem migration files from pgroll migrations (JSON or YAML); no database needed.",
            "Writes <id>.yaml per pgroll file into --out, replacing a file of that name, then reads and lints"
                    + " each file as `tandem lint` would. Prints, per file, what was changed, what was left out and"
                    + " what tandem still finds, each with its file:line:col. Exits 0 when every file converted"
                    + " whole and lints without errors, 1 when any needs a human, 2 when a pgroll file cannot be"
                    + " read or is not a pgroll migration (nothing is written then)."
        })
final class ConvertCommand extends TandemCommand {
    enum Source {
        pgroll
    }

    @Option(
            names = "--from",
            required = true,
            paramLabel = "pgroll",
            description = "The format of the files to convert: pgroll.")
    Source from;

    @Parameters(
            arity = "1..*",
            paramLabel = "<file|dir>",
            description =
                    "pgroll migration files, or directories of them (their .json, .yaml and .yml files, by" + " name).")
    List<Path> paths;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            defaultValue = "converted",
            description = "Where to write the tandem files (default: ${DEFAULT-VALUE}, in the current directory).")
    Path out;

    @Option(names = "--service", required = true, paramLabel = "S", description = "The 'service' of every file.")
    String service;

    @Option(names = "--owner", required = true, paramLabel = "O", description = "The 'owner' of every file.")
    String owner;

    @Option(
            names = "--sunset",
            paramLabel = "YYYY-MM-DD",
            converter = DateConverter.class,
            description = "The sunset of every deprecation added for a drop or rename (default: "
                    + PgrollConverter.DEFAULT_SUNSET_DAYS + " days from today).")
    LocalDate sunset;

    @Override
    int execute() {
        PgrollConverter converter = PgrollConverter.builder()
                .service(service)
                .owner(owner)
                .sunset(sunset)
                .build();
        List<Conversion> written = new ArrayList<>();
        for (Conversion conversion : converter.convert(paths)) {
            written.add(PgrollConverter.write(conversion, out));
        }
        int needHuman = 0;
        for (Conversion conversion : written) {
            print(conversion);
            needHuman += conversion.needsHuman() ? 1 : 0;
        }
        err().println("convert: " + written.size() + (written.size() == 1 ? " file" : " files") + " written to "
                + out + " (deprecations' sunset " + converter.sunset() + "); "
                + (needHuman == 0 ? "none needs" : needHuman + (needHuman == 1 ? " needs" : " need"))
                + " a human");
        err().flush();
        return needHuman > 0 ? Failures.REFUSED : 0;
    }

    private void print(Conversion conversion) {
        out().println(conversion.source() + " -> " + conversion.file() + " (" + summary(conversion) + ")");
        for (ConversionNote note : conversion.notes()) {
            out().println("  " + note);
        }
    }

    /** "lint clean", or how many notes of each kind a person should read. */
    static String summary(Conversion conversion) {
        Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
        conversion.notes().forEach(note -> counts.merge(note.kind(), 1, Integer::sum));
        List<String> parts = new ArrayList<>();
        counts.forEach((kind, n) -> {
            if (kind != Kind.CHANGED) {
                parts.add(n + " " + label(kind, n));
            }
        });
        if (parts.isEmpty()) {
            return "lint clean";
        }
        return (conversion.needsHuman() ? "needs a human: " : "lint passes: ") + String.join(", ", parts);
    }

    private static String label(Kind kind, int n) {
        return switch (kind) {
            case NOT_CARRIED -> "not carried";
            case UNREADABLE -> "refused by tandem";
            case LINT_ERROR -> n == 1 ? "lint error" : "lint errors";
            case LINT_WARNING -> n == 1 ? "lint warning" : "lint warnings";
            case CHANGED -> "changed";
        };
    }

    static final class DateConverter implements ITypeConverter<LocalDate> {
        @Override
        public LocalDate convert(String value) {
            try {
                if (value.strip().matches("\\d{4}-\\d{2}-\\d{2}")) {
                    return LocalDate.parse(value.strip());
                }
            } catch (DateTimeParseException e) {
                // reported below, with the expected form
            }
            throw new TypeConversionException("'" + value + "' is not a date: write YYYY-MM-DD, such as 2027-03-01");
        }
    }
}
