package dev.tandem.bench;

import dev.tandem.postgres.EngineListener;
import dev.tandem.postgres.TransitionRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cost of the sync triggers: a full-table UPDATE of the column an {@code up} expression reads,
 * with the triggers, against the same UPDATE on the same table with them disabled. Runs alternate,
 * each after a VACUUM, so both see the same physical table; medians are compared.
 *
 * <p>Also the cost of a write through the new shape, which goes through the view's INSTEAD OF
 * trigger: the same full-table UPDATE through the view, and single-row UPDATEs by key (the OLTP case)
 * through the view against the same statements on the table without triggers.
 */
final class TriggerOverheadBench {
    private TriggerOverheadBench() {}

    static final String VIEW = "public_t_overhead.accounts";

    static Map<String, Object> run(BenchDb db, long rows, int repeats) {
        db.accounts(rows);
        db.engine(EngineListener.NONE, true)
                .start(BenchDb.migration("t_overhead", BackfillBench.ADD_COLUMN.operation()));
        db.exec("VACUUM ANALYZE accounts");
        List<Double> without = new ArrayList<>();
        List<Double> with = new ArrayList<>();
        List<Double> unrelatedWithout = new ArrayList<>();
        List<Double> unrelatedWith = new ArrayList<>();
        List<Double> newShape = new ArrayList<>();
        List<Double> singleWithout = new ArrayList<>();
        List<Double> singleNewShape = new ArrayList<>();
        int singles = (int) Math.min(rows, 20_000);
        for (int i = 0; i < repeats; i++) {
            db.exec("ALTER TABLE accounts DISABLE TRIGGER USER");
            without.add(timed(db, "UPDATE accounts SET abalance = abalance + 1"));
            unrelatedWithout.add(timed(db, "UPDATE accounts SET bid = bid + 1"));
            // Put the new column back in sync before the triggers return.
            db.exec("UPDATE accounts SET doubled = abalance * 2");
            db.exec("VACUUM accounts");
            db.exec("ALTER TABLE accounts ENABLE TRIGGER USER");
            with.add(timed(db, "UPDATE accounts SET abalance = abalance + 1"));
            unrelatedWith.add(timed(db, "UPDATE accounts SET bid = bid + 1"));
            newShape.add(timed(db, "UPDATE " + VIEW + " SET abalance = abalance + 1, doubled = doubled + 2"));
            db.exec("ALTER TABLE accounts DISABLE TRIGGER USER");
            singleWithout.add(singleRowUpdates(db, "accounts SET abalance = abalance + 1", singles));
            db.exec("UPDATE accounts SET doubled = abalance * 2");
            db.exec("VACUUM accounts");
            db.exec("ALTER TABLE accounts ENABLE TRIGGER USER");
            singleNewShape.add(
                    singleRowUpdates(db, VIEW + " SET abalance = abalance + 1, doubled = doubled + 2", singles));
            db.exec("VACUUM accounts");
            long wrong = db.count("SELECT count(*) FROM accounts WHERE doubled IS DISTINCT FROM abalance * 2");
            if (wrong != 0) {
                throw new IllegalStateException(wrong + " rows out of sync after the update");
            }
            BenchDb.log("trigger overhead run " + (i + 1) + ": without " + String.format("%.2f", without.getLast())
                    + " s, with " + String.format("%.2f", with.getLast()) + " s");
        }
        db.engine(EngineListener.NONE, true).rollback(TransitionRequest.active());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("rows", rows);
        r.put("repeats", repeats);
        r.put("method", "same table, triggers disabled vs enabled, alternating, VACUUM before each timed update");
        r.put("update_without_triggers_seconds", median(without));
        r.put("update_with_triggers_seconds", median(with));
        r.put("overhead_ratio", median(with) / median(without));
        r.put("unrelated_update_without_triggers_seconds", median(unrelatedWithout));
        r.put("unrelated_update_with_triggers_seconds", median(unrelatedWith));
        r.put("unrelated_overhead_ratio", median(unrelatedWith) / median(unrelatedWithout));
        r.put("new_shape_update_seconds", median(newShape));
        r.put("new_shape_overhead_ratio", median(newShape) / median(without));
        r.put("single_row_updates", (long) singles);
        r.put("single_row_without_triggers_seconds", median(singleWithout));
        r.put("single_row_new_shape_seconds", median(singleNewShape));
        r.put("single_row_new_shape_ratio", median(singleNewShape) / median(singleWithout));
        return r;
    }

    /** {@code count} single-row UPDATEs by key, one statement each, autocommit, on one connection. */
    private static double singleRowUpdates(BenchDb db, String updateSet, int count) {
        try (java.sql.Connection c = db.dataSource("bench").getConnection();
                java.sql.PreparedStatement ps = c.prepareStatement("UPDATE " + updateSet + " WHERE aid = ?")) {
            long t = System.nanoTime();
            for (int k = 0; k < count; k++) {
                ps.setInt(1, 1 + (int) ((k * 7919L) % count));
                ps.executeUpdate();
            }
            return (System.nanoTime() - t) / 1e9;
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double timed(BenchDb db, String update) {
        double seconds = db.time(update);
        db.exec("VACUUM accounts");
        return seconds;
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
