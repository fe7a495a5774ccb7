package dev.tandem.bench;

import dev.tandem.postgres.EngineListener;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cost of the sync triggers: a full-table UPDATE of the column an {@code up} expression reads,
 * with the triggers installed, against the same UPDATE on an identical table without them. Both
 * tables have had one full pass and a VACUUM, so they start from the same physical state.
 */
final class TriggerOverheadBench {
    private TriggerOverheadBench() {}

    static Map<String, Object> run(BenchDb db, long rows, int repeats) {
        List<Double> without = new ArrayList<>();
        List<Double> with = new ArrayList<>();
        List<Double> unrelatedWithout = new ArrayList<>();
        List<Double> unrelatedWith = new ArrayList<>();
        for (int i = 0; i < repeats; i++) {
            db.accounts(rows);
            db.exec("ALTER TABLE accounts ADD COLUMN doubled int");
            db.exec("UPDATE accounts SET doubled = abalance * 2");
            db.exec("VACUUM ANALYZE accounts");
            without.add(db.time("UPDATE accounts SET abalance = abalance + 1"));
            db.exec("VACUUM accounts");
            unrelatedWithout.add(db.time("UPDATE accounts SET bid = bid + 1"));

            db.accounts(rows);
            db.engine(EngineListener.NONE, true)
                    .start(BenchDb.migration("t_overhead_" + i, BackfillBench.ADD_COLUMN.operation()));
            db.exec("VACUUM ANALYZE accounts");
            with.add(db.time("UPDATE accounts SET abalance = abalance + 1"));
            db.exec("VACUUM accounts");
            unrelatedWith.add(db.time("UPDATE accounts SET bid = bid + 1"));
            long wrong = db.count("SELECT count(*) FROM accounts WHERE doubled IS DISTINCT FROM abalance * 2");
            if (wrong != 0) {
                throw new IllegalStateException(wrong + " rows out of sync after the update");
            }
            db.engine(EngineListener.NONE, true).rollback(dev.tandem.postgres.TransitionRequest.active());
            BenchDb.log("trigger overhead run " + (i + 1) + ": without " + String.format("%.2f", without.getLast())
                    + " s, with " + String.format("%.2f", with.getLast()) + " s");
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("rows", rows);
        r.put("repeats", repeats);
        r.put("update_without_triggers_seconds", median(without));
        r.put("update_with_triggers_seconds", median(with));
        r.put("overhead_ratio", median(with) / median(without));
        r.put("unrelated_update_without_triggers_seconds", median(unrelatedWithout));
        r.put("unrelated_update_with_triggers_seconds", median(unrelatedWith));
        r.put("unrelated_overhead_ratio", median(unrelatedWith) / median(unrelatedWithout));
        return r;
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
