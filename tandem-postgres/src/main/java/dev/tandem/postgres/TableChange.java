package dev.tandem.postgres;

import dev.tandem.core.ColumnSpec;
import dev.tandem.core.ForeignKeyRef;
import dev.tandem.core.Operation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one migration does to one table, resolved against the live catalog: which physical
 * column serves each column of the new shape, and how the two shapes are kept in sync.
 */
final class TableChange {
    /** The table's physical name while the migration is active. */
    final String table;
    /** Null when the migration creates the table. */
    final Catalog.Table existing;

    final Operation.CreateTable created;
    boolean dropped;
    String renamedTo;

    /** New-shape column name to the physical column that holds it, in the new shape's order. */
    final LinkedHashMap<String, String> newShape = new LinkedHashMap<>();

    final List<Added> added = new ArrayList<>();
    final List<Copy> copies = new ArrayList<>();
    final List<Dropped> droppedColumns = new ArrayList<>();
    /** Constraints a drop_constraint with up and down leaves off the copies of their columns. */
    final java.util.Set<String> droppedConstraints = new java.util.HashSet<>();
    /** Physical old name to final name, for columns renamed without a copy. */
    final Map<String, String> renames = new LinkedHashMap<>();

    TableChange(String table, Catalog.Table existing, Operation.CreateTable created) {
        this.table = table;
        this.existing = existing;
        this.created = created;
        if (existing != null) {
            existing.columns().forEach(c -> newShape.put(c.name(), c.name()));
        } else {
            created.columns().forEach(c -> newShape.put(c.name(), c.name()));
        }
    }

    /**
     * A column added by add_column. It has its final name from the start. {@code sequence} is the
     * quoted, schema-qualified sequence tandem creates for a serial column, which the column owns;
     * null otherwise.
     */
    record Added(ColumnSpec spec, String up, String sequence) {
        Added(ColumnSpec spec, String up) {
            this(spec, up, null);
        }
    }

    /**
     * A column changed through a copy: {@code copy} is added beside {@code column}, kept in sync by the
     * triggers, and swapped in at complete under {@code finalName}.
     */
    record Copy(
            String column,
            String copy,
            String finalName,
            String type,
            boolean notNull,
            String defaultExpr,
            boolean unique,
            String uniqueName,
            String check,
            String checkName,
            ForeignKeyRef references,
            String up,
            String down,
            Catalog.Column original) {}

    record Dropped(String column, String down) {}

    /** The new name of the table once the migration completes. */
    String finalName() {
        return renamedTo != null ? renamedTo : table;
    }

    boolean isNew() {
        return created != null;
    }

    /** Physical column for a new-shape column name, or null. */
    String physical(String newName) {
        return newShape.get(newName);
    }

    /** The SQL type of a physical column of the table while the migration is active. */
    String typeOf(String physical) {
        for (Added a : added) {
            if (a.spec().name().equals(physical)) {
                return a.spec().type();
            }
        }
        for (Copy c : copies) {
            if (c.copy().equals(physical)) {
                return c.type();
            }
        }
        if (existing != null) {
            return existing.column(physical).orElseThrow().type();
        }
        return SerialTypes.castable(created.columns().stream()
                .filter(c -> c.name().equals(physical))
                .findFirst()
                .orElseThrow()
                .type());
    }

    /** The new-shape name of a physical column, or the physical name when the new shape has none. */
    String newName(String physical) {
        return newShape.entrySet().stream()
                .filter(e -> e.getValue().equals(physical))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElse(physical);
    }

    /** New-shape name to physical name, for each column whose names differ. */
    Map<String, String> newToPhysicalRenames() {
        Map<String, String> m = new LinkedHashMap<>();
        newShape.forEach((n, p) -> {
            if (!n.equals(p)) {
                m.put(n, p);
            }
        });
        return m;
    }

    /** Whether writes through one shape must be mirrored into the other. */
    boolean needsSync() {
        return existing != null
                && !dropped
                && (added.stream().anyMatch(a -> a.up() != null)
                        // a NOT NULL column is filled by the triggers on rows the backfill has not reached
                        || added.stream()
                                .anyMatch(a -> !a.spec().nullable() && a.spec().defaultValue() != null)
                        || !copies.isEmpty()
                        || droppedColumns.stream().anyMatch(d -> d.down() != null));
    }

    /** Whether rows that existed before start must be brought into the new shape. */
    boolean needsBackfill() {
        return existing != null
                && !dropped
                && (added.stream().anyMatch(a -> a.up() != null || a.spec().defaultValue() != null)
                        || !copies.isEmpty());
    }

    /** Whether the new shape of this table differs from the old at all (a view is needed anyway). */
    boolean changesShape() {
        return dropped
                || renamedTo != null
                || isNew()
                || !added.isEmpty()
                || !copies.isEmpty()
                || !droppedColumns.isEmpty()
                || !renames.isEmpty();
    }
}
