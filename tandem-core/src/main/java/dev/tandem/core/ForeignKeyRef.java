package dev.tandem.core;

import java.util.List;

/** The target of a foreign key: a table and its columns. */
public record ForeignKeyRef(String table, List<String> columns) {
    public ForeignKeyRef {
        columns = List.copyOf(columns);
    }
}
