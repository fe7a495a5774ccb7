package dev.tandem.cli;

import dev.tandem.relay.MoveRegistry;
import dev.tandem.relay.MoveSpec;
import dev.tandem.relay.MoveStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * One table a migration moves, as {@code status} shows it: where it goes, and where its delivery
 * stands. {@code rateUnknown} says why the status has no applied rate (its store was not given, or
 * could not be read); null when it has one. {@code authoritative} is the side application writes go to.
 */
record MoveReport(MoveSpec spec, String store, MoveStatus status, String rateUnknown, MoveRegistry.Side authoritative) {

    /**
     * Every move registered on {@code source} for the migration {@code migrationId}; the rate of each
     * is read from its store when {@code stores} gives it.
     */
    static List<MoveReport> of(DataSource source, Map<String, DataSource> stores, String migrationId)
            throws SQLException {
        List<MoveRegistry.Registered> registered;
        try (Connection c = source.getConnection()) {
            registered = MoveRegistry.all(c);
        }
        List<MoveReport> out = new ArrayList<>();
        for (MoveRegistry.Registered r : registered) {
            // A move is named <migration id>.<table>.
            if (r.spec().migrationId().startsWith(migrationId + ".")) {
                out.add(of(source, stores.get(r.store()), r));
            }
        }
        return out;
    }

    /** The rate comes from the target store, and a target that is down must not hide the rest. */
    private static MoveReport of(DataSource source, DataSource target, MoveRegistry.Registered r) throws SQLException {
        String id = r.spec().migrationId();
        if (target == null) {
            return new MoveReport(
                    r.spec(),
                    r.store(),
                    MoveStatus.of(source, null, id),
                    "pass " + StoreOptions.howToName(r.store()),
                    r.authoritative());
        }
        try {
            return new MoveReport(r.spec(), r.store(), MoveStatus.of(source, target, id), null, r.authoritative());
        } catch (SQLException targetOrSource) {
            // Read again without the target: if the source was what failed, this fails too, and says so.
            return new MoveReport(
                    r.spec(),
                    r.store(),
                    MoveStatus.of(source, null, id),
                    "store " + r.store() + " could not be read (" + targetOrSource.getMessage() + ")",
                    r.authoritative());
        }
    }

    /** {@code orders -> billing.invoices}: the source table, the store and the target table. */
    String route() {
        return spec.sourceTable() + " -> " + store + "."
                + ("public".equals(spec.targetSchema()) ? "" : spec.targetSchema() + ".") + spec.targetTable();
    }
}
