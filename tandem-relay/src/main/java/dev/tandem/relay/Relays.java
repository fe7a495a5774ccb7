package dev.tandem.relay;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

/**
 * The relays that carry every move registered on a source, in both directions: one from the source
 * to the targets, and one from each target store back to the source, which finds changes only while
 * its moves are cut over (capture on the target is switched on by the fence). So the same relay
 * process serves a move through cutover and revert without a restart.
 */
public final class Relays {
    private Relays() {}

    /**
     * One relay per store that changes come from, each built with {@code settings} applied. A move whose
     * store is not in {@code stores} is refused, naming it.
     */
    public static List<Relay> of(
            DataSource source, Map<String, DataSource> stores, UnaryOperator<Relay.Builder> settings)
            throws SQLException {
        List<Relay> relays = new ArrayList<>();
        relays.add(settings.apply(Relay.builder(source).registered(stores)).build());
        Map<String, Relay.Builder> back = new LinkedHashMap<>();
        try (Connection c = source.getConnection()) {
            for (MoveRegistry.Registered r : MoveRegistry.all(c)) {
                if (r.reverse() != null) {
                    back.computeIfAbsent(r.store(), s -> Relay.builder(stores.get(s)))
                            .move(r.reverse(), source);
                }
            }
        }
        back.values().forEach(b -> relays.add(settings.apply(b).build()));
        return relays;
    }
}
