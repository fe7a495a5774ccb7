package dev.tandem.postgres;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One table of an in-store migration, as verification compares it: its key ({@code ctid} for a table
 * without one) with the key's types, and each new column with the {@code up} expression, over the old
 * shape's columns, that it must equal.
 */
public record UpColumns(
        String schema, String table, List<String> keyColumns, List<String> keyTypes, Map<String, String> up) {
    public UpColumns {
        keyColumns = List.copyOf(keyColumns);
        keyTypes = List.copyOf(keyTypes);
        up = Collections.unmodifiableMap(new LinkedHashMap<>(up));
    }
}
