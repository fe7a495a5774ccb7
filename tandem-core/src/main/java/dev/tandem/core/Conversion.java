package dev.tandem.core;

import java.nio.file.Path;
import java.util.List;

/**
 * One pgroll migration translated into a tandem migration file.
 *
 * @param source the pgroll file, as given
 * @param id the tandem id, which also names the written file ({@code <id>.yaml})
 * @param text the tandem migration, as YAML
 * @param notes what was changed or left out, in the order of the pgroll file; after {@link
 *     PgrollConverter#write}, also what tandem's reader and linter say of the written file
 * @param file where the file was written; null until {@link PgrollConverter#write} wrote it
 */
public record Conversion(String source, String id, String text, List<ConversionNote> notes, Path file) {
    public Conversion {
        notes = List.copyOf(notes);
    }

    /** The name of the file the conversion is written to. */
    public String fileName() {
        return id + ".yaml";
    }

    /** Whether any note needs a person to look at the written file (see {@link ConversionNote#needsHuman()}). */
    public boolean needsHuman() {
        return notes.stream().anyMatch(ConversionNote::needsHuman);
    }
}
