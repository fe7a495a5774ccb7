package dev.tandem.relay;

import dev.tandem.postgres.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The target store's side of a move, in its {@code tandem} schema: for every key a move has applied,
 * the version it holds and whether that was a delete (a tombstone), so an older change, a duplicate,
 * or a copy of a row read before a later change can never bring back what is already newer.
 */
final class TargetState {
    private TargetState() {}

    private static String fields(java.util.Collection<String> columns, Map<String, String> types, MoveSpec m)
            throws SQLException {
        List<String> out = new ArrayList<>();
        for (String c : columns) {
            String type = types.get(c);
            if (type == null) {
                throw new SQLException(
                        "column " + c + " of " + m.targetTable() + " does not exist on the target", "42703");
            }
            out.add(Sql.id(c) + " " + type);
        }
        return String.join(", ", out);
    }

    private static final String DDL = """
            SELECT pg_advisory_xact_lock(hashtext('tandem.applied'));
            CREATE SCHEMA IF NOT EXISTS tandem;
            -- Keys are opaque text compared byte for byte ("C"): the fastest to sort and to look up.
            -- A version is updated in place (fillfactor) without touching the index.
            CREATE TABLE IF NOT EXISTS tandem.applied (
              migration_id text COLLATE "C" NOT NULL,
              key          text COLLATE "C" NOT NULL,
              version      bigint NOT NULL,
              deleted      boolean NOT NULL,
              applied_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
              PRIMARY KEY (migration_id, key)
            ) WITH (fillfactor = 80);
            DO $$ BEGIN
              IF (SELECT collname FROM pg_attribute JOIN pg_collation c ON c.oid = attcollation
                  WHERE attrelid = 'tandem.applied'::regclass AND attname = 'key') <> 'C' THEN
                ALTER TABLE tandem.applied ALTER COLUMN migration_id TYPE text COLLATE "C",
                  ALTER COLUMN key TYPE text COLLATE "C";
              END IF;
            END $$;
            """;

    /** The row type a move's changes are read into: the mapped columns, with the target's types. */
    static String rowType(MoveSpec m) {
        return Sql.id("tandem", Sql.shortName("row_" + m.migrationId()));
    }

    /** The row type of a move's key: the target key columns, with the target's types. */
    static String keyType(MoveSpec m) {
        return Sql.id("tandem", Sql.shortName("key_" + m.migrationId()));
    }

    /**
     * Creates the applied-versions table if it is missing, and the move's row and key types from the
     * target table's columns as they are now; commits.
     */
    static void install(Connection c, MoveSpec m) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute(DDL);
            Map<String, String> types = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT attname, format_type(atttypid, atttypmod)"
                    + " FROM pg_attribute WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped")) {
                ps.setString(1, Sql.id(m.targetSchema(), m.targetTable()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        types.put(rs.getString(1), rs.getString(2));
                    }
                }
            }
            s.execute("DROP TYPE IF EXISTS " + rowType(m));
            s.execute("DROP TYPE IF EXISTS " + keyType(m));
            s.execute("CREATE TYPE " + rowType(m) + " AS (" + fields(m.columns().keySet(), types, m) + ")");
            s.execute("CREATE TYPE " + keyType(m) + " AS (" + fields(m.targetKey(), types, m) + ")");
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }
}
