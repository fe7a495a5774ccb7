package dev.tandem.relay;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one move delivers: rows of {@code sourceSchema.sourceTable}, mapped through {@code columns}
 * (target column to an SQL expression over the source row, by bare column names), to {@code
 * targetSchema.targetTable}, keyed by {@code targetKey} (target columns, each mapped from a source
 * key column). The migration id names the move in every table tandem keeps on either side.
 */
public record MoveSpec(
        String migrationId,
        String sourceSchema,
        String sourceTable,
        List<String> sourceKey,
        String targetSchema,
        String targetTable,
        Map<String, String> columns,
        List<String> targetKey) {
    public MoveSpec {
        sourceKey = List.copyOf(sourceKey);
        columns = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(columns));
        targetKey = List.copyOf(targetKey);
        if (sourceKey.isEmpty() || sourceKey.size() != targetKey.size()) {
            throw new IllegalArgumentException(
                    "a move needs its key on both sides, one column for one: " + sourceKey + " -> " + targetKey);
        }
        if (!columns.keySet().containsAll(targetKey)) {
            throw new IllegalArgumentException(
                    "the target key " + targetKey + " must be mapped in " + columns.keySet());
        }
    }
}
