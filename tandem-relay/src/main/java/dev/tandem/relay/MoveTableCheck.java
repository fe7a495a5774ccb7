package dev.tandem.relay;

import dev.tandem.core.Operation.MoveTable;
import dev.tandem.core.Problem;
import dev.tandem.core.TandemException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Checks a {@code move_table} against its two stores before anything starts (DESIGN.md, "Moving a
 * table between stores"): the source table can be read row by row by its key; the target table,
 * which the target service creates with its own migration, has every mapped column, with a type each
 * {@code columns} expression fits, and is unique on the key; every column the target requires is
 * mapped; and after cutover every source column can be fed back, by name or through {@code reverse},
 * with a type each {@code reverse} expression fits.
 *
 * <p>Changes nothing on either store: each is read in a read-only transaction that is rolled back,
 * and expressions are only planned ({@code EXPLAIN}), never run. Stateless and thread-safe; each call
 * opens one connection per store and closes both.
 */
public final class MoveTableCheck {
    /** The schema of the target table; the file names only its store and table. */
    public static final String TARGET_SCHEMA = "public";

    /** The target table of {@code toTable}: {@code schema.table}, or a bare name in {@link #TARGET_SCHEMA}. */
    record TargetName(String schema, String table) {
        static TargetName of(String toTable) {
            int dot = toTable.indexOf('.');
            return dot > 0
                    ? new TargetName(toTable.substring(0, dot), toTable.substring(dot + 1))
                    : new TargetName(TARGET_SCHEMA, toTable);
        }
    }

    private final MoveTable move;
    private final ReadOnlySession source;
    private final ReadOnlySession target;
    private final List<Problem> problems = new ArrayList<>();

    private MoveTableCheck(MoveTable move, ReadOnlySession source, ReadOnlySession target) {
        this.move = move;
        this.source = source;
        this.target = target;
    }

    /**
     * Every problem of {@code move} against the source store (the table in {@code sourceSchema}) and
     * the target store (a {@code schema.table}, or a bare name in {@link #TARGET_SCHEMA}), each at the operation's location, in a
     * stable order; empty when the move fits both.
     *
     * @throws TandemException when a store cannot be reached or read (CONNECTION_FAILED,
     *     DATABASE_ERROR): a failure of the store, not a problem of the file
     * @throws NullPointerException when an argument is null
     */
    public static List<Problem> check(MoveTable move, DataSource source, String sourceSchema, DataSource target) {
        Objects.requireNonNull(move, "move");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(sourceSchema, "sourceSchema");
        Objects.requireNonNull(target, () -> "no DataSource for store " + move.toStore());
        try (ReadOnlySession s = ReadOnlySession.open(source, "the source store");
                ReadOnlySession t = ReadOnlySession.open(target, "store " + move.toStore())) {
            MoveTableCheck check = new MoveTableCheck(move, s, t);
            Optional<StoreTable> from = check.load(s, sourceSchema, move.table());
            TargetName targetName = TargetName.of(move.toTable());
            Optional<StoreTable> to = check.load(t, targetName.schema(), targetName.table());
            from.ifPresentOrElse(
                    check::sourceTable,
                    () -> check.problem("source table " + sourceSchema + "." + move.table()
                            + " does not exist; move_table moves a table of this store"));
            to.ifPresentOrElse(
                    check::targetTable,
                    () -> check.problem("target table " + targetName.schema() + "." + targetName.table()
                            + " does not exist in store "
                            + move.toStore() + "; create it with the " + move.toStore() + " service's own"
                            + " migration (a create_table) before the move"));
            if (from.isPresent()
                    && to.isPresent()
                    && from.get().isTable()
                    && to.get().isTable()) {
                check.columns(from.get(), to.get());
                MoveTableReverse.check(move, from.get(), to.get(), s, t, check.problems);
            }
            return List.copyOf(check.problems);
        }
    }

    private Optional<StoreTable> load(ReadOnlySession session, String schema, String table) {
        try {
            return StoreTable.load(session.connection(), schema, table);
        } catch (SQLException e) {
            throw ReadOnlySession.failure("could not read the catalog of " + session.store(), e);
        }
    }

    private void problem(String message) {
        problems.add(new Problem(move.location(), message));
    }

    private void sourceTable(StoreTable table) {
        if (!table.isTable()) {
            problem("source " + table.qualified() + " is " + kind(table) + "; move_table moves a table");
            return;
        }
        List<String> missing =
                move.key().stream().filter(c -> !table.columns().containsKey(c)).toList();
        missing.forEach(c -> problem(
                "key column " + table.name() + "." + c + " does not exist in source table " + table.qualified()));
        if (missing.isEmpty() && !table.identifiesRowsBy(move.key(), true)) {
            problem("key (" + String.join(", ", move.key()) + ") does not identify a row of source table "
                    + table.qualified() + ": it is neither its primary key ("
                    + (table.primaryKey().isEmpty() ? "it has none" : String.join(", ", table.primaryKey()))
                    + ") nor a unique index over NOT NULL columns. Give the primary key's columns as 'key', or"
                    + " add a unique index over the key's columns first");
        }
    }

    private void targetTable(StoreTable table) {
        String where = where(table);
        if (!table.isTable()) {
            problem("target " + table.qualified() + " in store " + move.toStore() + " is " + kind(table)
                    + "; move_table moves rows into a table");
            return;
        }
        for (String column : move.columns().keySet()) {
            StoreTable.Column c = table.columns().get(column);
            if (c == null) {
                problem("column " + table.name() + "." + column + " does not exist in " + where + "; map only its"
                        + " columns (" + String.join(", ", table.columns().keySet()) + ")");
            } else if (c.generated()) {
                problem("column " + table.name() + "." + column + " of " + where + " is generated and cannot be"
                        + " written; remove it from 'columns'");
            }
        }
        List<String> key = move.targetKey();
        if (key.size() == move.key().size()
                && table.columns().keySet().containsAll(key)
                && !table.identifiesRowsBy(key, false)) {
            problem("key (" + String.join(", ", key) + ") is not unique in " + where + ": the relay applies each"
                    + " change by key, so the target needs a primary key or a unique index over exactly ("
                    + String.join(", ", key) + "); add one in the " + move.toStore() + " service's migration");
        }
        for (StoreTable.Column c : table.columns().values()) {
            if (c.notNull()
                    && !c.hasDefault()
                    && !c.generated()
                    && !move.columns().containsKey(c.name())) {
                problem("column " + table.name() + "." + c.name() + " of " + where + " is NOT NULL without a"
                        + " default, and 'columns' does not map it: every row copied there would be refused; map"
                        + " it in 'columns', or give it a default in the " + move.toStore()
                        + " service's migration");
            }
        }
    }

    /** Each {@code columns} expression, planned over the source table, fits its target column's type. */
    private void columns(StoreTable from, StoreTable to) {
        for (Map.Entry<String, String> e : move.columns().entrySet()) {
            StoreTable.Column column = to.columns().get(e.getKey());
            if (column == null || column.generated()) {
                continue; // reported with the target table
            }
            ExpressionFit.check(source, target, from, e.getValue(), column)
                    .ifPresent(error -> problem("'columns." + e.getKey() + "' does not fit column " + to.name() + "."
                            + column.name() + " (" + column.type() + ") of " + where(to) + ", planned over source"
                            + " table " + from.qualified() + ": " + error));
        }
    }

    private String where(StoreTable target) {
        return "table " + target.qualified() + " in store " + move.toStore();
    }

    static String kind(StoreTable table) {
        return switch (table.kind()) {
            case 'v' -> "a view";
            case 'm' -> "a materialized view";
            case 'f' -> "a foreign table";
            case 'S' -> "a sequence";
            case 'i', 'I' -> "an index";
            default -> "not a table";
        };
    }
}
