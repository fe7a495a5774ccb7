package dev.tandem.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL that reads {@code tandem.heartbeats}: each client instance of a migration with its shadow
 * reads, and the instances seen on the old shape lately, which {@code complete} waits for.
 *
 * <p>Ages are measured with the database's clock, which also stamps {@code seen_at}, so a skew
 * between the host running tandem and the database cannot hide a client or invent one.
 */
final class Heartbeats {
    /** The differences shown for a migration, over all of its clients. */
    static final int SAMPLES_SHOWN = 5;

    private Heartbeats() {}

    static boolean exist(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT to_regclass('tandem.heartbeats') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** Every instance's last heartbeat for the migration, most recently seen first. */
    static List<ClientHeartbeat> read(Connection c, String migrationId) throws SQLException {
        if (!exist(c)) {
            return List.of();
        }
        Map<String, List<ShadowSample>> samples = samples(c, migrationId);
        List<ClientHeartbeat> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT service, instance, side, reads_new, seen_at,
                       greatest(0, (extract(epoch FROM now() - seen_at) * 1000)::bigint),
                       shadow_compared, shadow_mismatched
                FROM tandem.heartbeats
                WHERE migration_id = ?
                ORDER BY seen_at DESC, service, instance
                """)) {
            ps.setString(1, migrationId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String service = rs.getString(1);
                    String instance = rs.getString(2);
                    int readsNew = rs.getInt(4);
                    Integer reported = rs.wasNull() ? null : readsNew;
                    Duration age = Duration.ofMillis(rs.getLong(6));
                    out.add(new ClientHeartbeat(
                            service,
                            instance,
                            ClientHeartbeat.Side.of(rs.getString(3)),
                            reported,
                            rs.getTimestamp(5).toInstant(),
                            age,
                            age.compareTo(ClientHeartbeat.STALE_AFTER) > 0,
                            rs.getLong(7),
                            rs.getLong(8),
                            samples.getOrDefault(service + '\u0000' + instance, List.of())));
                }
            }
        }
        return out;
    }

    /**
     * The shadow-read differences each instance reported, by service and instance. tandem-client
     * writes each sample as an object with the routing key ({@code key}), when it was compared ({@code
     * at}) and the differing fields ({@code diffs}: {@code field}, {@code old}, {@code new}); they are
     * shown as {@code field: old -> new}. A sample of another form is shown as its JSON, without its
     * key.
     */
    private static Map<String, List<ShadowSample>> samples(Connection c, String migrationId) throws SQLException {
        Map<String, List<ShadowSample>> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT h.service, h.instance,
                       CASE jsonb_typeof(s.value) WHEN 'object' THEN s.value ->> 'key' END,
                       CASE WHEN jsonb_typeof(s.value -> 'diffs') = 'array' THEN
                              coalesce((SELECT string_agg(coalesce(d.value ->> 'field', '?') || ': '
                                                          || coalesce(d.value ->> 'old', 'null') || ' -> '
                                                          || coalesce(d.value ->> 'new', 'null'), '; ' ORDER BY d.n)
                                        FROM jsonb_array_elements(s.value -> 'diffs') WITH ORDINALITY AS d (value, n)),
                                       'no field named')
                            WHEN jsonb_typeof(s.value) = 'object' THEN (s.value - 'key')::text
                            ELSE s.value::text END
                FROM tandem.heartbeats h,
                     jsonb_array_elements(CASE jsonb_typeof(h.shadow_samples) WHEN 'array' THEN h.shadow_samples
                                          ELSE '[]'::jsonb END) WITH ORDINALITY AS s (value, n)
                WHERE h.migration_id = ?
                ORDER BY h.service, h.instance, s.n
                """)) {
            ps.setString(1, migrationId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String service = rs.getString(1);
                    String instance = rs.getString(2);
                    out.computeIfAbsent(service + '\u0000' + instance, k -> new ArrayList<>())
                            .add(new ShadowSample(service, instance, rs.getString(3), rs.getString(4)));
                }
            }
        }
        return out;
    }

    /** The clients' shadow reads summed, with the first few differences of the most recently seen. */
    static ShadowReads shadow(List<ClientHeartbeat> clients) {
        long compared = 0;
        long mismatched = 0;
        List<ShadowSample> samples = new ArrayList<>();
        for (ClientHeartbeat h : clients) {
            compared += h.shadowCompared();
            mismatched += h.shadowMismatched();
            for (ShadowSample s : h.samples()) {
                if (samples.size() < SAMPLES_SHOWN) {
                    samples.add(s);
                }
            }
        }
        return new ShadowReads(compared, mismatched, samples);
    }

    /**
     * Why {@code complete} must wait: each instance seen on the old shape (side old, or both while its
     * reads are split) within {@code soak}, with when; null when there is none.
     */
    static String oldShapeRefusal(Connection c, String migrationId, Duration soak) throws SQLException {
        if (!exist(c)) {
            return null;
        }
        List<String> seen = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT service, instance, side, seen_at,
                       greatest(0, (extract(epoch FROM now() - seen_at) * 1000)::bigint)
                FROM tandem.heartbeats
                WHERE migration_id = ? AND side IN ('old', 'both')
                  AND seen_at > now() - make_interval(secs => ?)
                ORDER BY seen_at DESC, service, instance
                """)) {
            ps.setString(1, migrationId);
            ps.setDouble(2, soak.toMillis() / 1000.0);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Instant at = rs.getTimestamp(4).toInstant().truncatedTo(ChronoUnit.SECONDS);
                    seen.add(rs.getString(1) + " instance " + rs.getString(2) + " (side " + rs.getString(3)
                            + ") was last seen " + ago(Duration.ofMillis(rs.getLong(5))) + ", at " + at);
                }
            }
        }
        if (seen.isEmpty()) {
            return null;
        }
        return (seen.size() == 1 ? "a client still uses" : seen.size() + " clients still use")
                + " the old shape (seen within the soak time of " + span(soak) + "):\n    "
                + String.join("\n    ", seen)
                + "\n  Move them to the new shape (`tandem flag --shape new`; for a move, `tandem cutover` and"
                + " `tandem flag --reads-new 100`) or stop them; complete passes once none"
                + " has been seen on the old shape for the soak time (`--soak` sets it)";
    }

    /** {@code 12 s ago}, {@code 3m05s ago}, {@code 1h02m ago}. */
    private static String ago(Duration d) {
        return span(d) + " ago";
    }

    /** {@code 12 s}, {@code 3m05s}, {@code 1h02m}. */
    private static String span(Duration d) {
        long seconds = d.toSeconds();
        return seconds < 60
                ? seconds + " s"
                : seconds < 3600
                        ? "%dm%02ds".formatted(seconds / 60, seconds % 60)
                        : "%dh%02dm".formatted(seconds / 3600, seconds % 3600 / 60);
    }
}
