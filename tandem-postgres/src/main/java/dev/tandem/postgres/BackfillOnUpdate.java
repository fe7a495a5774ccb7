package dev.tandem.postgres;

import java.util.List;

/**
 * The trigger that does the backfill's work on a row that an UPDATE could carry out of the backfill's
 * way, while the backfill runs.
 *
 * <p>The backfill walks a table in ranges (of a key, or of ctid) and keeps a checkpoint: the ranges
 * behind it are done. A row moves in that order only when an UPDATE writes it: a new ctid on every
 * UPDATE, a new key when the UPDATE assigns a key column. The sync triggers ({@link SyncTrigger}) do
 * not fill a nullable new column on an UPDATE that leaves the columns its {@code up} reads alone, so
 * such a row, moved behind the checkpoint, would keep NULL for good. This trigger closes that gap: on
 * every UPDATE of the table (of its key columns, when the backfill walks a key), it sets each of the
 * backfill's columns that is still NULL exactly as a batch would ({@code COALESCE(column, up)}, over
 * the row as the UPDATE leaves it). Hence, for as long as it is armed, a row written by any INSERT or
 * UPDATE is in the new shape, whatever its ctid or key; and the rows that still need the backfill are
 * those no one has written since it was created, which keep their ctid and key, so the walk finds
 * them.
 *
 * <p>It fires for every writer: after the table's own BEFORE triggers (its name sorts after every
 * ASCII name), {@code ENABLE ALWAYS} (replica-mode writers too). A row whose {@code up} fails on its
 * data fails the UPDATE too, as it would fail the backfill.
 *
 * <p>It is armed only until the backfill is done: {@code DISABLE}d (a SHARE ROW EXCLUSIVE lock, so no
 * UPDATE runs with it once that commits) before the new shape is served, because from then on NULL
 * in a nullable new column may be a value a new-shape client wrote, which it must not overwrite.
 * {@code complete} and {@code rollback} drop it with its function.
 */
final class BackfillOnUpdate {
    /** Sorts after every ASCII trigger name, so the table's own BEFORE triggers fire first. */
    static final String TRIGGER = "~tandem_backfill_on_update";

    private BackfillOnUpdate() {}

    private static String function(String migrationId, String table) {
        return Sql.id("tandem", Sql.shortName("backfill_" + migrationId + "_" + table));
    }

    /** The function and the trigger, armed; {@code spec} says which columns and how the backfill walks. */
    static String create(String schema, String migrationId, TableChange t, Recipe.BackfillSpec spec) {
        String table = Sql.id(schema, t.table);
        String fn = function(migrationId, t.table);
        List<SyncTrigger.Assignment> assignments = spec.assignments().stream()
                .map(a -> new SyncTrigger.Assignment(a.column(), a.expression()))
                .toList();
        String unset = String.join(
                " OR ",
                assignments.stream()
                        .map(a -> "NEW." + Sql.id(a.target()) + " IS NULL")
                        .toList());
        String event = BackfillSql.byCtid(spec) ? "BEFORE UPDATE" : "BEFORE UPDATE OF " + Sql.ids(spec.keyColumns());
        return String.join(
                ";\n",
                SyncTrigger.triggerFunction(fn, SyncTrigger.fillUnsetBody(schema, t, assignments)),
                "CREATE TRIGGER " + Sql.id(TRIGGER) + " " + event + " ON " + table + " FOR EACH ROW WHEN (" + unset
                        + ") EXECUTE FUNCTION " + fn + "()",
                "ALTER TABLE " + table + " ENABLE ALWAYS TRIGGER " + Sql.id(TRIGGER));
    }

    /** Stops it, once the backfill is done and before the new shape is served. */
    static String disarm(String schema, TableChange t) {
        return "ALTER TABLE " + Sql.id(schema, t.table) + " DISABLE TRIGGER " + Sql.id(TRIGGER);
    }

    /** Drops the trigger, if it is there, and its function. */
    static String drop(String schema, String migrationId, TableChange t) {
        String table = Sql.id(schema, t.table);
        return "DO "
                + Sql.dollarQuoted("""

                        BEGIN
                          IF EXISTS (SELECT FROM pg_catalog.pg_trigger WHERE tgrelid = to_regclass(%s) AND tgname = %s) THEN
                            DROP TRIGGER %s ON %s;
                          END IF;
                        END
                        """.formatted(Sql.literal(table), Sql.literal(TRIGGER), Sql.id(TRIGGER), table))
                + ";\nDROP FUNCTION IF EXISTS " + function(migrationId, t.table) + "()";
    }
}
