package dev.tandem.verify;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import dev.tandem.relay.MoveRegistry;
import dev.tandem.relay.MoveSpec;
import dev.tandem.relay.Resend;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * Rewrites drifted keys from the side that is right. A move re-reads its authoritative side (the source
 * until cutover, the target after) at repair time and sends those rows through the relay's versioned
 * apply, with fresh versions, so the repair can never overwrite a newer write; a key held twice on the
 * other side is deleted there first. A migration within one store re-runs its {@code up} expressions on
 * the drifted rows, under the lock timeout.
 */
final class Repairs {
    private Repairs() {}

    private static final int CHUNK = 500;

    static void move(MoveRegistry.Registered r, DataSource source, DataSource target, Pair pair, List<Found> found)
            throws SQLException {
        boolean fromSource = r.authoritative() == MoveRegistry.Side.SOURCE || r.reverse() == null;
        MoveSpec spec = fromSource ? r.spec() : r.reverse();
        DataSource from = fromSource ? source : target;
        DataSource to = fromSource ? target : source;
        List<String> keyTypes = pair.key().stream().map(Column::type).toList();
        List<Resend.Key> twice = keys(found.stream()
                .filter(f -> f.drift().kind() == Drift.Kind.DUPLICATE_KEY)
                .toList());
        List<Resend.Key> all = keys(found);
        try (Connection c = from.getConnection()) {
            if (!twice.isEmpty()) {
                // Deleted and delivered first, so the upsert that follows lands on no row at all.
                Resend.deliver(from, to, spec, Resend.captureDeletes(c, spec, twice), Duration.ofSeconds(60));
            }
            // In chunks: each locks its rows only for the moment its capture takes.
            for (int i = 0; i < all.size(); i += CHUNK) {
                List<Resend.Key> chunk = all.subList(i, Math.min(all.size(), i + CHUNK));
                Resend.deliver(from, to, spec, Resend.capture(c, spec, keyTypes, chunk), Duration.ofSeconds(60));
            }
        }
    }

    private static List<Resend.Key> keys(List<Found> found) {
        return found.stream()
                .map(f -> new Resend.Key(f.drift().key(), f.parts()))
                .toList();
    }

    static void shapes(DataSource store, Pair pair, List<Found> found, Duration lockTimeout) throws SQLException {
        String sets = pair.columns().stream()
                .map(c -> c.quoted() + " = " + pair.old().value(c))
                .collect(Collectors.joining(", "));
        String sql = "UPDATE " + pair.neu().table() + " SET " + sets + " WHERE " + pair.keyIn(pair.neu());
        try (Connection c = store.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement();
                    PreparedStatement ps = c.prepareStatement(sql)) {
                s.execute("SET LOCAL lock_timeout = " + lockTimeout.toMillis());
                for (int k = 0; k < pair.key().size(); k++) {
                    int part = k;
                    ps.setArray(
                            k + 1,
                            c.createArrayOf(
                                    "text",
                                    found.stream().map(f -> f.parts().get(part)).toArray()));
                }
                ps.executeUpdate();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                if ("55P03".equals(e.getSQLState())) {
                    throw new TandemException(
                            ErrorCode.LOCK_TIMEOUT,
                            "the repair of " + pair.name() + " could not lock" + " its rows within "
                                    + lockTimeout.toMillis() + " ms; nothing was changed, try again");
                }
                throw e;
            }
        }
    }

    static List<Found> of(List<Found> all, Pair pair) {
        List<Found> out = new ArrayList<>();
        for (Found f : all) {
            if (f.pair() == pair) {
                out.add(f);
            }
        }
        return out;
    }
}
