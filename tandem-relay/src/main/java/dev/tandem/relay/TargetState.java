package dev.tandem.relay;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The target store's side of a move, in its {@code tandem} schema: for every key a move has applied,
 * the version it holds and whether that was a delete (a tombstone), so an older change, a duplicate,
 * or a copy of a row read before a later change can never bring back what is already newer.
 */
final class TargetState {
    private TargetState() {}

    private static final String DDL = """
            SELECT pg_advisory_xact_lock(hashtext('tandem.applied'));
            CREATE SCHEMA IF NOT EXISTS tandem;
            CREATE TABLE IF NOT EXISTS tandem.applied (
              migration_id text NOT NULL,
              key          jsonb NOT NULL,
              version      bigint NOT NULL,
              deleted      boolean NOT NULL,
              applied_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
              PRIMARY KEY (migration_id, key)
            );
            """;

    /** Creates the applied-versions table if it is missing; commits. */
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
