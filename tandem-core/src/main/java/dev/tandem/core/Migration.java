package dev.tandem.core;

import java.util.List;

/**
 * A parsed and validated migration file. {@code performance} is null when absent. {@code text} is the
 * file exactly as read; {@code checksum} is its SHA-256, hex, with line endings normalised.
 * {@code versionSchemaName} is the file's {@code version_schema}, null when absent. {@code verify} is
 * its {@code verify:} section, {@link VerifySpec#DEFAULT} when absent.
 */
public record Migration(
        String id,
        String service,
        String owner,
        String rationale,
        List<String> affects,
        String performance,
        String schema,
        String versionSchemaName,
        List<Deprecation> deprecations,
        VerifySpec verify,
        List<Operation> operations,
        String source,
        String text,
        String checksum) {
    public Migration {
        affects = List.copyOf(affects);
        deprecations = List.copyOf(deprecations);
        operations = List.copyOf(operations);
    }

    /**
     * Why {@code rollback} cannot undo this migration once started: an {@code sql} operation marked
     * {@code irreversible}; empty when it can.
     */
    public java.util.Optional<String> rollbackRefusal() {
        return operations.stream()
                .filter(o -> o instanceof Operation.RawSql sql && sql.blocksRollback())
                .findFirst()
                .map(o -> "the sql operation at " + o.location() + " is marked irreversible");
    }

    /**
     * The name of the version schema that presents this migration's new shape: the file's
     * {@code version_schema}, or the schema and the id joined by an underscore.
     */
    public String versionSchema() {
        return versionSchemaName != null ? versionSchemaName : schema + "_" + id;
    }
}
