package dev.tandem.core;

import java.util.List;

/**
 * A parsed and validated migration file. {@code performance} is null when absent. {@code text} is the
 * file exactly as read; {@code checksum} is its SHA-256, hex, with line endings normalised.
 */
public record Migration(
        String id,
        String service,
        String owner,
        String rationale,
        List<String> affects,
        String performance,
        String schema,
        List<Deprecation> deprecations,
        List<Operation> operations,
        String source,
        String text,
        String checksum) {
    public Migration {
        affects = List.copyOf(affects);
        deprecations = List.copyOf(deprecations);
        operations = List.copyOf(operations);
    }

    /** The name of the version schema that presents this migration's new shape. */
    public String versionSchema() {
        return schema + "_" + id;
    }
}
