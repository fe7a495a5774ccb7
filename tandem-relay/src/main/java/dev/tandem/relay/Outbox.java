package dev.tandem.relay;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The source store's side of a move, in its {@code tandem} schema: the outbox that capture writes in
 * the writer's transaction, the dead letters the relay parks, and the one sequence every change
 * takes its version from. A change's key and row are the text of a row value of the mapped columns,
 * written under {@link #CANONICAL} settings, so that the target reads every value back exactly with
 * its column type's own input function, whatever the writer's session settings were.
 */
final class Outbox {
    /**
     * The channel capture notifies on, once per statement that changed a moved table, unless a relay
     * of that move is awake ({@code tandem.relays_awake}).
     */
    static final String CHANNEL = "tandem_outbox";

    /**
     * The settings under which values are written as text and read back: dates and intervals in ISO
     * form, times in UTC, floats with every digit, bytea in hex. Mapping expressions run under them too.
     */
    static final String CANONICAL = "SET datestyle = 'ISO, YMD' SET intervalstyle = 'postgres' SET timezone = 'UTC'"
            + " SET extra_float_digits = 3 SET bytea_output = 'hex'";

    /** The same settings for a session of tandem's own (the copy, the apply). */
    static final String CANONICAL_SESSION = "SET datestyle = 'ISO, YMD'; SET intervalstyle = 'postgres';"
            + " SET timezone = 'UTC'; SET extra_float_digits = 3; SET bytea_output = 'hex'";

    private Outbox() {}

    private static final String DDL = """
            SELECT pg_advisory_xact_lock(hashtext('tandem.outbox'));
            CREATE SCHEMA IF NOT EXISTS tandem;
            CREATE SEQUENCE IF NOT EXISTS tandem.change_version;
            CREATE TABLE IF NOT EXISTS tandem.outbox (
              id             bigserial PRIMARY KEY,
              migration_id   text NOT NULL,
              key            text NOT NULL,
              op             char(1) NOT NULL CHECK (op IN ('U', 'D')),
              row            text,
              version        bigint NOT NULL,
              schema_version int NOT NULL DEFAULT 1,
              correlation_id text,
              traceparent    text,
              committed_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
              attempts       int NOT NULL DEFAULT 0,
              next_attempt   timestamptz,
              errors         jsonb NOT NULL DEFAULT '[]'
            );
            CREATE INDEX IF NOT EXISTS outbox_due ON tandem.outbox (migration_id, id);
            CREATE TABLE IF NOT EXISTS tandem.dead_letters (
              id             bigserial PRIMARY KEY,
              migration_id   text NOT NULL,
              key            text NOT NULL,
              op             char(1) NOT NULL,
              row            text,
              version        bigint NOT NULL,
              correlation_id text,
              traceparent    text,
              committed_at   timestamptz NOT NULL,
              cause          text NOT NULL,
              attempts       jsonb NOT NULL,
              parked_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
              superseded_by  bigint,
              superseded_at  timestamptz,
              replayed_at    timestamptz
            );
            -- A busy relay's promise to look at a move's outbox until awake_until without being
            -- notified. Unlogged: a crash loses the promises, and capture then notifies again.
            CREATE UNLOGGED TABLE IF NOT EXISTS tandem.relays_awake (
              relay_id     text NOT NULL,
              migration_id text NOT NULL,
              awake_until  timestamptz NOT NULL,
              PRIMARY KEY (relay_id, migration_id)
            );
            CREATE INDEX IF NOT EXISTS dead_letters_key ON tandem.dead_letters (migration_id, key)
              WHERE superseded_at IS NULL AND replayed_at IS NULL;
            """;

    /** Creates the outbox, the dead letters and the version sequence if they are missing; commits. */
    static void install(Connection c) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute(DDL);
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }
}
