package dev.tandem.verify;

import dev.tandem.relay.MoveRegistry;
import dev.tandem.relay.MoveSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Where a moved key stands, in both directions: the versions each side last applied from the other
 * (the forward move on the target, its reverse on the source), and whether a change of the key waits
 * in either side's outbox (claimed by a relay and not yet committed counts as waiting).
 */
final class MoveVersions implements Versions {
    private final DataSource source;
    private final DataSource target;
    private final MoveRegistry.Registered registered;
    private final MoveSpec forward;
    private final MoveSpec reverse;

    private final java.time.Duration maxLag;

    MoveVersions(DataSource source, DataSource target, MoveRegistry.Registered registered, java.time.Duration maxLag) {
        this.maxLag = maxLag;
        this.source = source;
        this.target = target;
        this.registered = registered;
        this.forward = registered.spec();
        this.reverse = registered.reverse();
    }

    MoveRegistry.Registered registered() {
        return registered;
    }

    /** The move's lag bound: how long a change may take to be delivered. */
    java.time.Duration maxLag() {
        return maxLag;
    }

    DataSource target() {
        return target;
    }

    @Override
    public Map<String, Version> of(Collection<String> keys) throws SQLException {
        Map<String, String> applied = new HashMap<>();
        Set<String> pending = new HashSet<>();
        try (Connection t = StorePool.open(target);
                Connection s = StorePool.open(source)) {
            // Per direction, the sender's outbox before the receiver's applied versions: the relay commits
            // the receiver first and deletes from the outbox after, so a change read as delivered here was
            // applied before the versions are read, and one still in the outbox is pending.
            read(s, forward.migrationId(), keys, applied, pending, "f", true);
            read(t, forward.migrationId(), keys, applied, pending, "f", false);
            if (reverse != null) {
                read(t, reverse.migrationId(), keys, applied, pending, "r", true);
                read(s, reverse.migrationId(), keys, applied, pending, "r", false);
            }
        }
        Map<String, Version> out = new HashMap<>();
        for (String k : keys) {
            out.put(k, new Version(applied.get(k), pending.contains(k)));
        }
        return out;
    }

    /** The applied versions (on the receiving side) or the waiting changes (on the sending side) of a move. */
    private static void read(
            Connection c,
            String migrationId,
            Collection<String> keys,
            Map<String, String> applied,
            Set<String> pending,
            String direction,
            boolean sending)
            throws SQLException {
        String table = sending ? "tandem.outbox" : "tandem.applied";
        try (PreparedStatement exists = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            exists.setString(1, table);
            try (ResultSet rs = exists.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return;
                }
            }
        }
        String sql = sending
                ? "SELECT DISTINCT key, NULL FROM tandem.outbox WHERE migration_id = ? AND key = ANY(?)"
                : "SELECT key, version::text FROM tandem.applied WHERE migration_id = ? AND key = ANY(?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, migrationId);
            ps.setArray(2, c.createArrayOf("text", keys.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (sending) {
                        pending.add(rs.getString(1));
                    } else {
                        applied.merge(rs.getString(1), direction + rs.getString(2), (a, b) -> a + "/" + b);
                    }
                }
            }
        }
    }
}
