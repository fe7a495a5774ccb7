package dev.tandem.core;

import java.util.List;
import java.util.Map;

/**
 * One operation of a migration. Fields follow pgroll's vocabulary. Optional fields are null when
 * absent; lists and maps are never null.
 */
public sealed interface Operation {

    /** Where the operation starts in its file. */
    SourceLocation location();

    /** The operation's key in the file, such as {@code add_column}. */
    String kind();

    /** {@code comment} is null when absent. */
    record CreateTable(String name, List<ColumnSpec> columns, String comment, SourceLocation location)
            implements Operation {
        public CreateTable {
            columns = List.copyOf(columns);
        }

        public CreateTable(String name, List<ColumnSpec> columns, SourceLocation location) {
            this(name, columns, null, location);
        }

        public String kind() {
            return "create_table";
        }
    }

    record DropTable(String name, SourceLocation location) implements Operation {
        public String kind() {
            return "drop_table";
        }
    }

    record RenameTable(String from, String to, SourceLocation location) implements Operation {
        public String kind() {
            return "rename_table";
        }
    }

    /** {@code up} computes the new column from a row of the old shape; null when absent. */
    record AddColumn(String table, ColumnSpec column, String up, SourceLocation location) implements Operation {
        public String kind() {
            return "add_column";
        }
    }

    /** {@code down} computes the dropped column from a row of the new shape; null when absent. */
    record DropColumn(String table, String column, String down, SourceLocation location) implements Operation {
        public String kind() {
            return "drop_column";
        }
    }

    record RenameColumn(String table, String from, String to, SourceLocation location) implements Operation {
        public String kind() {
            return "rename_column";
        }
    }

    /**
     * Changes one column. Every field but {@code table} and {@code column} may be null; at least one
     * change is present. {@code name} renames the column.
     *
     * <p>The default has three states, never told apart by a null alone: kept ({@code defaultValue}
     * null, {@code dropDefault} false), replaced ({@code defaultValue} holds the new expression), and
     * dropped ({@code dropDefault} true, written {@code default: null} in the file; {@code defaultValue}
     * is then null).
     */
    record AlterColumn(
            String table,
            String column,
            String type,
            Boolean nullable,
            String defaultValue,
            boolean dropDefault,
            Boolean unique,
            String check,
            ForeignKeyRef references,
            String name,
            String up,
            String down,
            SourceLocation location)
            implements Operation {
        public AlterColumn {
            if (dropDefault && defaultValue != null) {
                throw new IllegalArgumentException("a default cannot be both dropped and set to " + defaultValue);
            }
        }

        public String kind() {
            return "alter_column";
        }

        /** Whether the change needs a copied column kept in sync (anything but a pure rename). */
        public boolean needsCopy() {
            return type != null
                    || nullable != null
                    || defaultValue != null
                    || dropDefault
                    || unique != null
                    || check != null
                    || references != null;
        }

        /** The column's name in the new shape. */
        public String newName() {
            return name != null ? name : column;
        }
    }

    record CreateIndex(
            String table,
            String name,
            List<String> columns,
            boolean unique,
            String method,
            String predicate,
            SourceLocation location)
            implements Operation {
        public CreateIndex {
            columns = List.copyOf(columns);
        }

        public String kind() {
            return "create_index";
        }
    }

    record DropIndex(String name, SourceLocation location) implements Operation {
        public String kind() {
            return "drop_index";
        }
    }

    /** {@code up} and {@code down} map a column to an expression; empty when absent. */
    record CreateConstraint(
            String table,
            String name,
            ConstraintType type,
            List<String> columns,
            String check,
            ForeignKeyRef references,
            Map<String, String> up,
            Map<String, String> down,
            SourceLocation location)
            implements Operation {
        public CreateConstraint {
            columns = List.copyOf(columns);
            up = Map.copyOf(up);
            down = Map.copyOf(down);
        }

        public String kind() {
            return "create_constraint";
        }
    }

    record DropConstraint(String table, String name, SourceLocation location) implements Operation {
        public String kind() {
            return "drop_constraint";
        }
    }

    /** Renames a constraint of a table; constraint names are not part of either shape's columns. */
    record RenameConstraint(String table, String from, String to, SourceLocation location) implements Operation {
        public String kind() {
            return "rename_constraint";
        }
    }

    /** Raw SQL: tandem cannot check it. {@code down} is null when absent (a lint error). */
    record RawSql(String up, String down, SourceLocation location) implements Operation {
        public String kind() {
            return "sql";
        }
    }
}
