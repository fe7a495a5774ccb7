package dev.tandem.relay;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import dev.tandem.postgres.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;

/**
 * Repair through the relay: the authoritative side's rows at the given keys are captured again, as
 * capture does, with fresh versions taken under their row locks (so each is newer than anything the
 * other side holds), and delivered by the relay's own versioned apply. A key the authoritative side no
 * longer has is sent as a delete, which leaves a tombstone on the other side.
 */
public final class Resend {
    private Resend() {}

    /** Keys given as one text per key column ({@code parts}, in the order of the spec's target key). */
    public record Key(String text, List<String> parts) {
        public Key {
            parts = List.copyOf(parts);
        }
    }

    /**
     * Captures the rows of {@code keys} from {@code authoritative} (the side {@code spec} delivers
     * from) into its outbox: an upsert of each row it has, and a delete of each key it does not have.
     * Returns the outbox ids written, for {@link #deliver}.
     */
    public static List<Long> capture(Connection authoritative, MoveSpec spec, List<String> keyTypes, List<Key> keys)
            throws SQLException {
        if (keys.isEmpty()) {
            return List.of();
        }
        String table = Sql.id(spec.sourceSchema(), spec.sourceTable());
        String keyRow = "("
                + spec.targetKey().stream()
                        .map(k -> "(" + spec.columns().get(k) + ")")
                        .collect(Collectors.joining(", "))
                + ")";
        int n = spec.targetKey().size();
        // An outbox row of the move: key, op and row, as the capture function writes them.
        String change = "SELECT " + Sql.literal(spec.migrationId()) + ", %s, %s, %s, nextval('tandem.change_version'),"
                + " 'tandem repair', NULL";
        List<Long> ids = new ArrayList<>();
        boolean auto = authoritative.getAutoCommit();
        authoritative.setAutoCommit(false);
        try (Statement s = authoritative.createStatement()) {
            s.execute(Outbox.CANONICAL_SESSION.replace("SET ", "SET LOCAL "));
            // Invariant 4: a writer holding one of these rows makes the repair give up, not wait on it.
            s.execute("SET LOCAL lock_timeout = 500");
            String insert =
                    "INSERT INTO tandem.outbox (migration_id, key, op, row, version, correlation_id, traceparent) ";
            // Under the rows' locks, as capture versions a write, so no concurrent write of a key can
            // take an older version and land after this one. A key is gone when no row has its typed parts.
            String typed = IntStream.range(0, n)
                    .mapToObj(i -> "CAST(u.k" + i + " AS " + keyTypes.get(i) + ")")
                    .collect(Collectors.joining(", "));
            String given = "unnest(CAST(? AS text[]), "
                    + IntStream.range(0, n).mapToObj(i -> "CAST(? AS text[])").collect(Collectors.joining(", "))
                    + ") AS u(t, "
                    + IntStream.range(0, n).mapToObj(i -> "k" + i).collect(Collectors.joining(", ")) + ")";
            String sql = "WITH found AS (SELECT " + Capture.mappedKey(spec) + " AS k, " + Capture.mappedRow(spec)
                    + " AS r FROM " + table + " WHERE " + keyRow + " IN (SELECT " + typed + " FROM " + given
                    + ") FOR UPDATE), gone AS (SELECT u.t AS k FROM " + given + " WHERE NOT EXISTS (SELECT FROM "
                    + table + " WHERE " + keyRow + " = (" + typed + ")))\n" + insert
                    + change.formatted("k", "'U'", "r") + " FROM found UNION ALL "
                    + change.formatted("k", "'D'", "NULL") + " FROM gone RETURNING id";
            try (PreparedStatement ps = authoritative.prepareStatement(sql)) {
                int p = 1;
                for (int round = 0; round < 2; round++) {
                    ps.setArray(
                            p++,
                            authoritative.createArrayOf(
                                    "text", keys.stream().map(Key::text).toArray()));
                    for (int i = 0; i < n; i++) {
                        int part = i;
                        ps.setArray(
                                p++,
                                authoritative.createArrayOf(
                                        "text",
                                        keys.stream()
                                                .map(k -> k.parts().get(part))
                                                .toArray()));
                    }
                }
                collect(ps, ids);
            }
            authoritative.commit();
            return ids;
        } catch (SQLException e) {
            authoritative.rollback();
            throw e;
        } finally {
            authoritative.setAutoCommit(auto);
        }
    }

    /**
     * Captures a delete of each of {@code keys} into the outbox of {@code authoritative}, whatever it
     * holds: delivered before a {@link #capture} of the same keys, it leaves one row where the other
     * side held two. Returns the outbox ids written.
     */
    public static List<Long> captureDeletes(Connection authoritative, MoveSpec spec, List<Key> keys)
            throws SQLException {
        String change = "SELECT " + Sql.literal(spec.migrationId())
                + ", k, 'D', NULL, nextval('tandem.change_version')," + " 'tandem repair', NULL";
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement ps = authoritative.prepareStatement("INSERT INTO tandem.outbox (migration_id, key, op,"
                + " row, version, correlation_id, traceparent) " + change + " FROM unnest(CAST(? AS text[])) AS k"
                + " RETURNING id")) {
            ps.setArray(
                    1,
                    authoritative.createArrayOf(
                            "text", keys.stream().map(Key::text).toArray()));
            collect(ps, ids);
        }
        return ids;
    }

    private static String lastCause(Connection c, MoveSpec spec) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT key || ': ' || cause FROM tandem.dead_letters WHERE migration_id = ? ORDER BY id DESC LIMIT 1")) {
            ps.setString(1, spec.migrationId());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "no cause recorded";
            }
        }
    }

    private static void collect(PreparedStatement ps, List<Long> ids) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
    }

    /**
     * Delivers the outbox rows {@code ids} of {@code spec} from {@code from} to {@code to} with a relay of
     * its own (a running relay may take some of them: both apply the same versions), and waits, at most
     * {@code within}, until none is left.
     */
    public static void deliver(DataSource from, DataSource to, MoveSpec spec, List<Long> ids, Duration within)
            throws SQLException {
        long deadline = System.nanoTime() + within.toNanos();
        try (Relay relay = Relay.builder(from).move(spec, to).build();
                Connection c = from.getConnection();
                PreparedStatement left = c.prepareStatement("SELECT count(*) FROM tandem.outbox WHERE id = ANY(?)")) {
            left.setArray(1, c.createArrayOf("bigint", ids.toArray()));
            while (true) {
                relay.deliverOnce();
                if (relay.stats().parked() > 0) {
                    throw new TandemException(
                            ErrorCode.GATE_REFUSED,
                            "a repaired change of " + spec.migrationId()
                                    + " was refused by the other side and parked in the dead letters ("
                                    + lastCause(c, spec) + "); see `tandem dead-letters`");
                }
                try (ResultSet rs = left.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) == 0) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new TandemException(
                            ErrorCode.DATABASE_ERROR,
                            "the repaired changes of " + spec.migrationId() + " were not delivered within "
                                    + within.toSeconds() + " s (a relay holds them?)");
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SQLException("interrupted while delivering the repair", e);
                }
            }
        }
    }
}
