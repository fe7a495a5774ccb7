package dev.tandem.bench;

import dev.tandem.postgres.BackfillProgress;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineListener;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Backfill rate at several table sizes, for an {@code add_column} with {@code up} and an
 * {@code alter_column} type change, each against its ceiling on this machine: one UPDATE of the
 * whole table doing the same change, measured in the same run on an identical fresh table.
 */
final class BackfillBench {
    record Change(String name, String baselinePrepare, String baselineUpdate, String operation) {}

    static final Change ADD_COLUMN = new Change(
            "add_column",
            "ALTER TABLE accounts ADD COLUMN doubled int",
            "UPDATE accounts SET doubled = abalance * 2",
            """
              - add_column: { table: accounts, column: { name: doubled, type: int }, up: abalance * 2 }
            """);
    static final Change ALTER_TYPE = new Change(
            "alter_column_type",
            "ALTER TABLE accounts ADD COLUMN abalance_new bigint",
            "UPDATE accounts SET abalance_new = abalance::bigint",
            """
              - alter_column: { table: accounts, column: abalance, type: bigint, up: abalance::bigint, down: abalance::int }
            """);

    private BackfillBench() {}

    /** Figures for one change at one size. */
    static Map<String, Object> run(BenchDb db, Change change, long rows) {
        db.accounts(rows);
        db.exec(change.baselinePrepare());
        double single = db.time(change.baselineUpdate());
        BenchDb.log(change.name() + " " + rows + " rows: single UPDATE " + String.format("%.2f", single) + " s");

        db.accounts(rows);
        AtomicLong firstBatch = new AtomicLong();
        AtomicLong lastBatch = new AtomicLong();
        EngineListener listener = new EngineListener() {
            @Override
            public void backfillProgress(BackfillProgress p) {
                lastBatch.set(System.nanoTime());
            }
        };
        Engine engine = db.engine(listener, false);
        long t0 = System.nanoTime();
        engine.start(BenchDb.migration("b_" + change.name().substring(0, 5) + "_" + rows, change.operation()));
        double expand = (System.nanoTime() - t0) / 1e9;
        firstBatch.set(System.nanoTime());
        engine.backfill(null);
        double total = (System.nanoTime() - firstBatch.get()) / 1e9;
        double backfill = (lastBatch.get() - firstBatch.get()) / 1e9;
        long unfilled = db.count(
                change == ADD_COLUMN
                        ? "SELECT count(*) FROM accounts WHERE doubled IS DISTINCT FROM abalance * 2"
                        : "SELECT count(*) FROM accounts WHERE _tandem_new_abalance IS DISTINCT FROM abalance::bigint");
        if (unfilled != 0) {
            throw new IllegalStateException(change.name() + ": " + unfilled + " rows not backfilled correctly");
        }
        engine.rollback(dev.tandem.postgres.TransitionRequest.active());

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("change", change.name());
        r.put("rows", rows);
        r.put("single_update_seconds", single);
        r.put("single_update_rows_per_second", rows / single);
        r.put("expand_seconds", expand);
        r.put("backfill_seconds", backfill);
        r.put("backfill_and_validate_seconds", total);
        r.put("backfill_rows_per_second", rows / backfill);
        r.put("ratio_to_single_update", (rows / backfill) / (rows / single));
        BenchDb.log(change.name() + " " + rows + " rows: backfill "
                + String.format(
                        "%.2f s, %.0f rows/s, %.2f of single UPDATE",
                        backfill, rows / backfill, (rows / backfill) / (rows / single)));
        return r;
    }
}
