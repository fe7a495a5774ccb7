package dev.tandem.core;

import java.time.LocalDate;

/**
 * A field (table.column, or a table) that the migration removes or renames, with the date after
 * which it may be removed. The sunset date gates {@code complete}.
 */
public record Deprecation(String field, LocalDate sunset, SourceLocation location) {}
