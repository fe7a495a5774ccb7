package dev.tandem.relay;

import dev.tandem.postgres.Sql;

/**
 * The capture trigger of a move on the source table: every committed insert, update and delete,
 * by any writer, becomes an outbox row in the writer's own transaction. The row is mapped through
 * the move's {@code columns}, keyed by the target key, and versioned from {@code
 * tandem.change_version} while the writer holds the row's lock (or its unique key's), so the
 * versions of one key follow its commit order. A key change is a delete of the old key and an upsert
 * of the new. Writes carrying the session setting {@code tandem.origin} (the relay's own) are not
 * captured again. The triggers are ENABLE ALWAYS: replica-mode writers are captured too. The
 * mapping runs under {@link Outbox#CANONICAL} settings (UTC among them), whatever the writer's
 * session has, so the copy and the capture of one row map it alike.
 */
final class Capture {
    private Capture() {}

    static String functionName(MoveSpec m) {
        return Sql.id("tandem", Sql.shortName("capture_" + m.migrationId()));
    }

    static String notifyFunctionName(MoveSpec m) {
        return Sql.id("tandem", Sql.shortName("capture_notify_" + m.migrationId()));
    }

    static String triggerName(MoveSpec m) {
        return Sql.shortName("~tandem_capture_" + m.migrationId());
    }

    static String notifyTriggerName(MoveSpec m) {
        return Sql.shortName("~tandem_capture_notify_" + m.migrationId());
    }

    /** The mapped row as the text of a row value of the target columns, over {@code source}'s columns. */
    static String mappedRow(MoveSpec m) {
        return "ROW("
                + String.join(
                        ", ",
                        m.columns().values().stream().map(e -> "(" + e + ")").toList()) + ")::text";
    }

    /** The key as the text of a row value of the target key columns, over the source's columns. */
    static String mappedKey(MoveSpec m) {
        return "ROW("
                + String.join(
                        ", ",
                        m.targetKey().stream()
                                .map(k -> "(" + m.columns().get(k) + ")")
                                .toList()) + ")::text";
    }

    /** Creates the capture function and its triggers; idempotent. */
    static String install(MoveSpec m) {
        String table = Sql.id(m.sourceSchema(), m.sourceTable());
        String insert = "INSERT INTO tandem.outbox (migration_id, key, op, row, version, correlation_id, traceparent)"
                + " VALUES (" + Sql.literal(m.migrationId()) + ", %s, %s, %s, nextval('tandem.change_version'),"
                + " nullif(current_setting('tandem.correlation_id', true), ''),"
                + " nullif(current_setting('tandem.traceparent', true), ''));\n";
        String body = """

                DECLARE
                  _tandem_new text;
                  _tandem_new_key text;
                  _tandem_old_key text;
                BEGIN
                  IF coalesce(current_setting('tandem.origin', true), '') <> '' THEN
                    RETURN NULL;
                  END IF;
                  IF TG_OP <> 'DELETE' THEN
                    SELECT %1$s, %2$s INTO _tandem_new, _tandem_new_key FROM (SELECT NEW.*) AS _tandem_src;
                  END IF;
                  IF TG_OP <> 'INSERT' THEN
                    SELECT %2$s INTO _tandem_old_key FROM (SELECT OLD.*) AS _tandem_src;
                  END IF;
                  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND _tandem_old_key IS DISTINCT FROM _tandem_new_key) THEN
                    %3$s
                  END IF;
                  IF TG_OP <> 'DELETE' THEN
                    %4$s
                  END IF;
                  RETURN NULL;
                END
                """.formatted(
                        mappedRow(m),
                        mappedKey(m),
                        insert.formatted("_tandem_old_key", "'D'", "NULL"),
                        insert.formatted("_tandem_new_key", "'U'", "_tandem_new"));
        // NOTIFY serialises the commits of every notifying transaction on one lock, so a statement
        // notifies only when no relay of the move has promised to look at the outbox soon anyway.
        String notify = """

                BEGIN
                  IF NOT EXISTS (SELECT FROM tandem.relays_awake
                                 WHERE migration_id = %2$s AND awake_until > clock_timestamp()) THEN
                    PERFORM pg_notify(%1$s, %2$s);
                  END IF;
                  RETURN NULL;
                END
                """.formatted(Sql.literal(Outbox.CHANNEL), Sql.literal(m.migrationId()));
        // Every writer is captured, whatever its privileges: the functions run as their owner (tandem's
        // role, which installed them), on a search path that built-ins come first in and the writer
        // cannot change.
        String definer = " SECURITY DEFINER SET search_path = pg_catalog, " + Sql.id(m.sourceSchema()) + ", pg_temp ";
        return String.join(
                ";\n",
                "CREATE OR REPLACE FUNCTION " + functionName(m) + "() RETURNS trigger LANGUAGE plpgsql "
                        + Outbox.CANONICAL + definer + " AS " + Sql.dollarQuoted(body),
                "CREATE OR REPLACE FUNCTION " + notifyFunctionName(m) + "() RETURNS trigger LANGUAGE plpgsql" + definer
                        + " AS " + Sql.dollarQuoted(notify),
                "REVOKE ALL ON FUNCTION " + functionName(m) + "() FROM PUBLIC",
                "REVOKE ALL ON FUNCTION " + notifyFunctionName(m) + "() FROM PUBLIC",
                "DROP TRIGGER IF EXISTS " + Sql.id(triggerName(m)) + " ON " + table,
                "CREATE TRIGGER " + Sql.id(triggerName(m)) + " AFTER INSERT OR UPDATE OR DELETE ON " + table
                        + " FOR EACH ROW EXECUTE FUNCTION " + functionName(m) + "()",
                "ALTER TABLE " + table + " ENABLE ALWAYS TRIGGER " + Sql.id(triggerName(m)),
                "DROP TRIGGER IF EXISTS " + Sql.id(notifyTriggerName(m)) + " ON " + table,
                "CREATE TRIGGER " + Sql.id(notifyTriggerName(m)) + " AFTER INSERT OR UPDATE OR DELETE ON " + table
                        + " FOR EACH STATEMENT EXECUTE FUNCTION " + notifyFunctionName(m) + "()",
                "ALTER TABLE " + table + " ENABLE ALWAYS TRIGGER " + Sql.id(notifyTriggerName(m)));
    }

    /** Switches capture on (ENABLE ALWAYS: replica-mode writers are captured too). */
    static String enable(MoveSpec m) {
        String table = Sql.id(m.sourceSchema(), m.sourceTable());
        return "ALTER TABLE " + table + " ENABLE ALWAYS TRIGGER " + Sql.id(triggerName(m)) + ";\n" + "ALTER TABLE "
                + table + " ENABLE ALWAYS TRIGGER " + Sql.id(notifyTriggerName(m));
    }

    /** Switches capture off, keeping the triggers: a SHARE ROW EXCLUSIVE lock, where dropping them needs more. */
    static String disable(MoveSpec m) {
        String table = Sql.id(m.sourceSchema(), m.sourceTable());
        return "ALTER TABLE " + table + " DISABLE TRIGGER " + Sql.id(triggerName(m)) + ";\n" + "ALTER TABLE " + table
                + " DISABLE TRIGGER " + Sql.id(notifyTriggerName(m));
    }

    /** Removes the triggers and functions; what the outbox holds for the move stays until the caller clears it. */
    static String remove(MoveSpec m) {
        String table = Sql.id(m.sourceSchema(), m.sourceTable());
        return String.join(
                ";\n",
                "DROP TRIGGER IF EXISTS " + Sql.id(triggerName(m)) + " ON " + table,
                "DROP TRIGGER IF EXISTS " + Sql.id(notifyTriggerName(m)) + " ON " + table,
                "DROP FUNCTION IF EXISTS " + functionName(m) + "()",
                "DROP FUNCTION IF EXISTS " + notifyFunctionName(m) + "()");
    }
}
