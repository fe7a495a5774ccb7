package dev.tandem.relay;

import dev.tandem.postgres.Sql;

/**
 * The trigger that makes one side of a move refuse application writes while the other side is
 * authoritative (Invariant 1). It refuses every INSERT, UPDATE, DELETE and TRUNCATE of a writer without
 * the session setting {@code tandem.origin} (the relay's and the copy's writes carry it), with SQLSTATE
 * {@value #SQLSTATE} and a message that names the store and table to write to, so a writer that never
 * heard of tandem learns where its writes go, and {@code tandem-client} knows to retry on the other
 * side. It is a statement trigger, ENABLE ALWAYS (replica-mode writers are refused too), created
 * disabled with the move and switched by the fence: enabling and disabling a trigger takes a SHARE ROW
 * EXCLUSIVE lock, which readers do not wait for, where creating or dropping one in a live fence would
 * need more.
 */
final class Guard {
    /** The SQLSTATE of a write refused because the table's authoritative copy is elsewhere. */
    static final String SQLSTATE = "TD001";

    private Guard() {}

    /** The guard of {@code side}'s source table (a move's forward spec guards the source, its reverse the target). */
    static String functionName(MoveSpec side) {
        return Sql.id("tandem", Sql.shortName("guard_" + side.migrationId()));
    }

    static String triggerName(MoveSpec side) {
        return Sql.shortName("~tandem_guard_" + side.migrationId());
    }

    static String table(MoveSpec side) {
        return Sql.id(side.sourceSchema(), side.sourceTable());
    }

    /** The guarded table as people read it: schema.table, unquoted. */
    static String name(MoveSpec side) {
        return side.sourceSchema() + "." + side.sourceTable();
    }

    /** Creates (or replaces) the guard of {@code side}'s source table, disabled, refusing with {@code message}. */
    static String install(MoveSpec side, String message, String hint) {
        return String.join(
                ";\n",
                function(side, message, hint),
                "REVOKE ALL ON FUNCTION " + functionName(side) + "() FROM PUBLIC",
                "DROP TRIGGER IF EXISTS " + Sql.id(triggerName(side)) + " ON " + table(side),
                "CREATE TRIGGER " + Sql.id(triggerName(side)) + " BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "
                        + table(side) + " FOR EACH STATEMENT EXECUTE FUNCTION " + functionName(side) + "()",
                "ALTER TABLE " + table(side) + " DISABLE TRIGGER " + Sql.id(triggerName(side)));
    }

    /** Replaces what the guard says, without touching the table (no lock on it). */
    static String function(MoveSpec side, String message, String hint) {
        String body = """

                BEGIN
                  IF coalesce(current_setting('tandem.origin', true), '') = '' THEN
                    RAISE EXCEPTION USING ERRCODE = %s, MESSAGE = %s, HINT = %s;
                  END IF;
                  RETURN NULL;
                END
                """.formatted(Sql.literal(SQLSTATE), Sql.literal(message), Sql.literal(hint));
        return "CREATE OR REPLACE FUNCTION " + functionName(side) + "() RETURNS trigger LANGUAGE plpgsql"
                + " SET search_path = pg_catalog, pg_temp AS " + Sql.dollarQuoted(body);
    }

    static String enable(MoveSpec side) {
        return "ALTER TABLE " + table(side) + " ENABLE ALWAYS TRIGGER " + Sql.id(triggerName(side));
    }

    static String disable(MoveSpec side) {
        return "ALTER TABLE " + table(side) + " DISABLE TRIGGER " + Sql.id(triggerName(side));
    }

    static String remove(MoveSpec side) {
        return "DROP TRIGGER IF EXISTS " + Sql.id(triggerName(side)) + " ON " + table(side) + ";\n"
                + "DROP FUNCTION IF EXISTS " + functionName(side) + "()";
    }
}
