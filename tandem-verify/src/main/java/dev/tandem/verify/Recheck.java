package dev.tandem.verify;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Suspects to verdicts (Invariant 7): each is read again on both sides once its changes are delivered
 * (or the lag bound has passed), compared column by column (floats within a relative tolerance), and
 * called drift only if it still differs and its version did not move since it was first seen. A key
 * still moving when the re-checks run out of time stays unresolved.
 */
final class Recheck {
    private static final int CHUNK = 1000;

    record Outcome(List<Found> drift, long cleared, List<Suspect> unresolved) {}

    private final Pair pair;
    private final StorePool oldPool;
    private final StorePool newPool;
    private final Versions versions;
    private final Duration lagBound;
    private final double floatTolerance;

    Recheck(
            Pair pair,
            StorePool oldPool,
            StorePool newPool,
            Versions versions,
            Duration lagBound,
            double floatTolerance) {
        this.pair = pair;
        this.oldPool = oldPool;
        this.newPool = newPool;
        this.versions = versions;
        this.lagBound = lagBound;
        this.floatTolerance = floatTolerance;
    }

    Outcome run(List<Suspect> found) throws SQLException {
        Map<String, Suspect> open = new LinkedHashMap<>();
        for (Suspect s : found) {
            open.putIfAbsent(s.key(), s);
        }
        if (open.isEmpty()) {
            return new Outcome(List.of(), 0, List.of());
        }
        Map<String, Versions.Version> seen = new HashMap<>(versions.of(open.keySet()));
        long deadline = System.nanoTime()
                + Math.max(lagBound.toNanos() * 3, Duration.ofSeconds(3).toNanos());
        List<Found> drift = new ArrayList<>();
        long cleared = 0;
        while (!open.isEmpty()) {
            awaitDelivery(open.keySet());
            Map<String, List<List<String>>> olds = rows(pair.old(), oldPool, open.values());
            Map<String, List<List<String>>> news = rows(pair.neu(), newPool, open.values());
            Map<String, Versions.Version> now = versions.of(open.keySet());
            Map<String, Suspect> next = new LinkedHashMap<>();
            for (Suspect s : open.values()) {
                Drift d = compare(s, olds.getOrDefault(s.key(), List.of()), news.getOrDefault(s.key(), List.of()));
                if (d == null) {
                    cleared++;
                    continue;
                }
                Versions.Version v = now.get(s.key());
                boolean still = v == null || (!v.pending() && Objects.equals(v, seen.get(s.key())));
                if (still) {
                    drift.add(new Found(pair, s.parts(), d));
                } else {
                    seen.put(s.key(), v);
                    next.put(s.key(), new Suspect(s.key(), s.parts(), d.kind()));
                }
            }
            open = next;
            if (!open.isEmpty() && System.nanoTime() > deadline) {
                return new Outcome(drift, cleared, List.copyOf(open.values()));
            }
        }
        return new Outcome(drift, cleared, List.of());
    }

    /** Waits until no change of these keys is on its way, for at most the lag bound. */
    private void awaitDelivery(java.util.Set<String> keys) throws SQLException {
        long until = System.nanoTime() + lagBound.toNanos();
        while (versions.of(keys).values().stream().anyMatch(Versions.Version::pending) && System.nanoTime() < until) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while re-checking", e);
            }
        }
    }

    /** The drift at one key, or null when the sides are equal there. */
    Drift compare(Suspect s, List<List<String>> old, List<List<String>> neu) {
        if (old.isEmpty() && neu.isEmpty()) {
            return null;
        }
        if (old.size() > 1 || neu.size() > 1) {
            return new Drift(
                    pair.name(),
                    s.key(),
                    Drift.Kind.DUPLICATE_KEY,
                    List.of(new Drift.FieldDiff("(rows)", String.valueOf(old.size()), String.valueOf(neu.size()))));
        }
        if (neu.isEmpty() || old.isEmpty()) {
            List<String> present = old.isEmpty() ? neu.getFirst() : old.getFirst();
            List<Drift.FieldDiff> fields = new ArrayList<>();
            for (int i = 0; i < pair.columns().size(); i++) {
                String v = present.get(i);
                fields.add(new Drift.FieldDiff(
                        pair.columns().get(i).name(), old.isEmpty() ? null : v, old.isEmpty() ? v : null));
            }
            return new Drift(
                    pair.name(), s.key(), old.isEmpty() ? Drift.Kind.EXTRA_ON_NEW : Drift.Kind.MISSING_ON_NEW, fields);
        }
        List<Drift.FieldDiff> fields = new ArrayList<>();
        for (int i = 0; i < pair.columns().size(); i++) {
            Column c = pair.columns().get(i);
            String a = old.getFirst().get(i);
            String b = neu.getFirst().get(i);
            if (!equal(c, a, b)) {
                fields.add(new Drift.FieldDiff(c.name(), a, b));
            }
        }
        return fields.isEmpty() ? null : new Drift(pair.name(), s.key(), Drift.Kind.CHANGED, fields);
    }

    private boolean equal(Column c, String a, String b) {
        if (Objects.equals(a, b)) {
            return true;
        }
        if (a == null || b == null || !c.floating()) {
            return false;
        }
        try {
            double x = Double.parseDouble(a);
            double y = Double.parseDouble(b);
            return Math.abs(x - y) <= floatTolerance * Math.max(Math.abs(x), Math.abs(y));
        } catch (NumberFormatException e) {
            return false; // NaN and the infinities parse; anything else is not a float
        }
    }

    private Map<String, List<List<String>>> rows(Side side, StorePool pool, java.util.Collection<Suspect> keys)
            throws SQLException {
        List<Suspect> all = new ArrayList<>(keys);
        Map<String, List<List<String>>> out = new HashMap<>();
        for (int from = 0; from < all.size(); from += CHUNK) {
            List<Suspect> chunk = all.subList(from, Math.min(all.size(), from + CHUNK));
            out.putAll(Scan.join(pool.submit(c -> rows(c, side, chunk))));
        }
        return out;
    }

    private Map<String, List<List<String>>> rows(Connection c, Side side, List<Suspect> keys) throws SQLException {
        Map<String, List<List<String>>> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(pair.rows(side))) {
            for (int k = 0; k < pair.key().size(); k++) {
                int part = k;
                ps.setArray(
                        k + 1,
                        c.createArrayOf(
                                "text",
                                keys.stream().map(s -> s.parts().get(part)).toArray()));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    List<String> values = new ArrayList<>();
                    for (int i = 0; i < pair.columns().size(); i++) {
                        values.add(rs.getString(2 + i));
                    }
                    out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(values);
                }
            }
        }
        return out;
    }
}
