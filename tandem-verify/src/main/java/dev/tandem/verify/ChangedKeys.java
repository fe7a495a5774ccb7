package dev.tandem.verify;

import dev.tandem.relay.MoveRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The keys of a move that changed since the last look: those each side applied from the other (its
 * {@code tandem.applied}) after a mark taken on that side's own clock, so that no clock skew between
 * the stores hides a change. The first look only sets the marks.
 */
final class ChangedKeys {
    private final Map<String, Timestamp> marks = new HashMap<>();
    private final java.time.Duration overlap;

    ChangedKeys(java.time.Duration overlap) {
        this.overlap = overlap;
    }

    /** Per pair of a move, the keys applied since the last call (none the first time); sets new marks. */
    Map<Pair, List<Suspect>> advance(Verifier.Subject subject) throws SQLException {
        Map<Pair, List<Suspect>> out = new LinkedHashMap<>();
        for (Pair pair : subject.pairs()) {
            if (!(subject.versions().get(pair) instanceof MoveVersions v)) {
                continue;
            }
            MoveRegistry.Registered r = v.registered();
            List<Suspect> keys = new ArrayList<>(applied(v.target(), r.spec().migrationId()));
            if (r.reverse() != null) {
                keys.addAll(applied(pair.old().dataSource(), r.reverse().migrationId()));
            }
            out.put(pair, keys);
        }
        return out;
    }

    private List<Suspect> applied(DataSource store, String migrationId) throws SQLException {
        List<Suspect> out = new ArrayList<>();
        try (Connection c = StorePool.open(store)) {
            Timestamp now;
            try (PreparedStatement ps = c.prepareStatement("SELECT clock_timestamp()");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                now = rs.getTimestamp(1);
            }
            Timestamp since = marks.put(migrationId, now);
            if (since == null) {
                return out;
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT key FROM tandem.applied" + " WHERE migration_id = ? AND applied_at >= ?")) {
                ps.setString(1, migrationId);
                // An apply is stamped when it runs and seen when it commits: the window reaches back by the
                // lag bound, so one that committed after the last mark but was stamped before it is not missed.
                ps.setTimestamp(2, new Timestamp(since.getTime() - overlap.toMillis()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String key = rs.getString(1);
                        out.add(new Suspect(key, RowText.fields(key), Drift.Kind.CHANGED));
                    }
                }
            }
        }
        return out;
    }
}
