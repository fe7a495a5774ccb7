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

    /** {@code comment} is null when absent; {@code constraints} are the table-level constraints. */
    record CreateTable(
            String name,
            List<ColumnSpec> columns,
            List<TableConstraint> constraints,
            String comment,
            SourceLocation location)
            implements Operation {
        public CreateTable {
            columns = List.copyOf(columns);
            constraints = List.copyOf(constraints);
        }

        public CreateTable(String name, List<ColumnSpec> columns, SourceLocation location) {
            this(name, columns, List.of(), null, location);
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
     * is then null). The comment has the same three states ({@code comment: null} removes it).
     * {@code uniqueName} and {@code checkName} name the constraints the change adds; null for
     * PostgreSQL's own names.
     */
    record AlterColumn(
            String table,
            String column,
            String type,
            Boolean nullable,
            String defaultValue,
            boolean dropDefault,
            Boolean unique,
            String uniqueName,
            String check,
            String checkName,
            ForeignKeyRef references,
            String comment,
            boolean dropComment,
            String name,
            String up,
            String down,
            SourceLocation location)
            implements Operation {
        public AlterColumn {
            if (dropDefault && defaultValue != null) {
                throw new IllegalArgumentException("a default cannot be both dropped and set to " + defaultValue);
            }
            if (dropComment && comment != null) {
                throw new IllegalArgumentException("a comment cannot be both removed and set to " + comment);
            }
        }

        /** Whether the comment changes. */
        public boolean changesComment() {
            return comment != null || dropComment;
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

    /** {@code method}, {@code predicate} and {@code storageParameters} are null when absent. */
    record CreateIndex(
            String table,
            String name,
            List<IndexColumn> columns,
            boolean unique,
            String method,
            String predicate,
            String storageParameters,
            SourceLocation location)
            implements Operation {
        public CreateIndex {
            columns = List.copyOf(columns);
        }

        /** The indexed columns' names, in order. */
        public List<String> columnNames() {
            return columns.stream().map(IndexColumn::column).toList();
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

    /**
     * Adds {@code constraint} to an existing table. {@code up} and {@code down} map a column to an
     * expression; empty when absent. A column with an {@code up} is rebuilt through a copy that carries
     * the constraint.
     */
    record CreateConstraint(
            String table,
            TableConstraint constraint,
            Map<String, String> up,
            Map<String, String> down,
            SourceLocation location)
            implements Operation {
        public CreateConstraint {
            up = Map.copyOf(up);
            down = Map.copyOf(down);
        }

        public String kind() {
            return "create_constraint";
        }

        public String name() {
            return constraint.name();
        }

        public ConstraintType type() {
            return constraint.type();
        }

        public List<String> columns() {
            return constraint.columns();
        }

        public String check() {
            return constraint.check();
        }

        public ForeignKeyRef references() {
            return constraint.references();
        }
    }

    /**
     * Drops a constraint. Without {@code up} and {@code down} it goes at complete and both shapes keep
     * it until then. With them (pgroll's form), each column they name is rebuilt through a copy without
     * the constraint: {@code up} computes the new shape's value and {@code down} the old shape's, which
     * must satisfy the constraint. {@code multiColumn} tells pgroll's two spellings apart: in
     * {@code drop_constraint} up and down are single expressions for the constraint's one column, keyed
     * here by the empty string until the engine knows that column.
     */
    record DropConstraint(
            String table,
            String name,
            Map<String, String> up,
            Map<String, String> down,
            boolean multiColumn,
            SourceLocation location)
            implements Operation {
        public DropConstraint {
            up = Map.copyOf(up);
            down = Map.copyOf(down);
        }

        public DropConstraint(String table, String name, SourceLocation location) {
            this(table, name, Map.of(), Map.of(), false, location);
        }

        public String kind() {
            return multiColumn ? "drop_multicolumn_constraint" : "drop_constraint";
        }

        /** Whether the columns are rebuilt without the constraint, rather than the constraint dropped at complete. */
        public boolean rebuildsColumns() {
            return !up.isEmpty() || !down.isEmpty();
        }
    }

    /**
     * Sets the table's replica identity at start; rollback restores the one it had. {@code type} is
     * DEFAULT, FULL, NOTHING or INDEX; {@code index} names the index for INDEX and is null otherwise.
     */
    record SetReplicaIdentity(String table, String type, String index, SourceLocation location) implements Operation {
        public String kind() {
            return "set_replica_identity";
        }
    }

    /** Renames a constraint of a table; constraint names are not part of either shape's columns. */
    record RenameConstraint(String table, String from, String to, SourceLocation location) implements Operation {
        public String kind() {
            return "rename_constraint";
        }
    }

    /**
     * Hands {@code table} to another service's store (DESIGN.md, "Moving a table between stores"): the
     * target table {@code toTable} in the store named {@code toStore} is created there beforehand by
     * that service's own migration. {@code columns} maps each target column to an SQL expression over
     * a source row, {@code reverse} each source column to an SQL expression over a target row (how
     * the source is fed after cutover); both keep the file's order and are never null ({@code reverse}
     * is empty when absent). {@code key} names the source columns that identify a row; each is mapped
     * by name in {@code columns}, so {@link #targetKey()} is known from the file.
     *
     * <p>A source column mapped by name (as is, or renamed) is fed back by the same name and needs no
     * {@code reverse} entry; a {@code reverse} entry for such a column, other than a key column, takes
     * precedence.
     */
    record MoveTable(
            String table,
            List<String> key,
            String toStore,
            String toTable,
            Map<String, String> columns,
            Map<String, String> reverse,
            SourceLocation location)
            implements Operation {
        public MoveTable {
            key = List.copyOf(key);
            columns = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(columns));
            reverse = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(reverse));
        }

        public String kind() {
            return "move_table";
        }

        /**
         * The source column a target column is a copy of, when its expression is only that column's
         * name (as is or renamed); empty when it computes something, or the target column is not mapped.
         */
        public java.util.Optional<String> sourceOf(String targetColumn) {
            return SqlExpressions.columnName(columns.get(targetColumn));
        }

        /**
         * Each source column mapped by name, to the target column that holds it (the first, when two
         * do), in the file's order.
         */
        public Map<String, String> copiedColumns() {
            Map<String, String> out = new java.util.LinkedHashMap<>();
            columns.keySet().forEach(target -> sourceOf(target).ifPresent(source -> out.putIfAbsent(source, target)));
            return java.util.Collections.unmodifiableMap(out);
        }

        /**
         * The target's key: the target column holding each column of {@code key}, in key order. A key
         * column that is not mapped by name (the file is then refused) is left out.
         */
        public List<String> targetKey() {
            Map<String, String> copied = copiedColumns();
            return key.stream().filter(copied::containsKey).map(copied::get).toList();
        }
    }

    /**
     * Raw SQL: tandem cannot check it. {@code up} runs at start, or at complete when {@code onComplete}.
     * {@code down} is null when absent (a lint error, unless the operation is marked {@code
     * irreversible}, which makes rollback refuse, or runs on complete, which leaves rollback nothing to
     * undo).
     */
    record RawSql(String up, String down, boolean onComplete, boolean irreversible, SourceLocation location)
            implements Operation {
        public RawSql(String up, String down, SourceLocation location) {
            this(up, down, false, false, location);
        }

        public String kind() {
            return "sql";
        }

        /** Whether this operation keeps rollback from undoing the migration. */
        public boolean blocksRollback() {
            return irreversible && !onComplete;
        }
    }
}
