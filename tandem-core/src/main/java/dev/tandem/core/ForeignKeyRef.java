package dev.tandem.core;

import java.util.List;

/**
 * The target of a foreign key: a table and its columns, and what the key does when a referenced row
 * is deleted or its key updated. {@code onDelete} and {@code onUpdate} are null (PostgreSQL's NO
 * ACTION) or one of {@link #ACTIONS}, in upper case. {@code name} names the constraint; null for
 * PostgreSQL's own name.
 */
public record ForeignKeyRef(
        String table,
        List<String> columns,
        String onDelete,
        String onUpdate,
        boolean deferrable,
        boolean initiallyDeferred,
        String name) {
    /** The referential actions PostgreSQL takes, as written in SQL. */
    public static final List<String> ACTIONS = List.of("CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION");

    public ForeignKeyRef {
        columns = List.copyOf(columns);
    }

    /** A key with PostgreSQL's defaults: NO ACTION, not deferrable, named by PostgreSQL. */
    public ForeignKeyRef(String table, List<String> columns) {
        this(table, columns, null, null, false, false, null);
    }

    /** An unnamed key with its actions. */
    public ForeignKeyRef(
            String table,
            List<String> columns,
            String onDelete,
            String onUpdate,
            boolean deferrable,
            boolean initiallyDeferred) {
        this(table, columns, onDelete, onUpdate, deferrable, initiallyDeferred, null);
    }

    /** The same key, deferrable as given. */
    public ForeignKeyRef deferred(boolean deferrable, boolean initiallyDeferred) {
        return new ForeignKeyRef(table, columns, onDelete, onUpdate, deferrable, initiallyDeferred, name);
    }
}
