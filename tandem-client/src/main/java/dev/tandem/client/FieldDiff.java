package dev.tandem.client;

/**
 * One field on which the two sides' results differ. {@code field} names it as a path ({@code total},
 * {@code [3].total} for the fourth row of a list); the values are rendered as text, {@code null} when
 * absent or SQL NULL.
 */
public record FieldDiff(String field, String oldValue, String newValue) {}
