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
 */
final class TriggerOverheadBench {
    private TriggerOverheadBench() {}

    static Map<String, Object> run(BenchDb db, long rows, int repeats) {
        db.accounts(rows);
        db.engine(EngineListener.NONE, true)
                .start(BenchDb.migration("t_overhead", BackfillBench.ADD_COLUMN.operation()));
        db.exec("VACUUM ANALYZE accounts");
        List<Double> without = new ArrayList<>();
        List<Double> with = new ArrayList<>();
        List<Double> unrelatedWithout = new ArrayList<>();
        List<Double> unrelatedWith = new ArrayList<>();
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
        return r;
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
