package dev.tandem.core;

import java.util.List;

/**
 * One key column of {@code create_index}, with its options; each option is null (or empty) when
 * absent. {@code sort} is ASC or DESC, {@code nulls} FIRST or LAST, {@code opclassParams} the
 * operator class's parameters as {@code name=value}.
 */
public record IndexColumn(
        String column, String collate, String opclass, List<String> opclassParams, String sort, String nulls) {
    public IndexColumn {
        opclassParams = List.copyOf(opclassParams);
    }

    /** A column without options. */
    public static IndexColumn of(String column) {
        return new IndexColumn(column, null, null, List.of(), null, null);
    }
}
