package dev.tandem.cli;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.Problem;
import dev.tandem.core.TandemException;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.postgres.MigrationStatus;
import dev.tandem.postgres.TransitionRequest;
import dev.tandem.testkit.EmbeddedPostgres;
import java.io.PrintWriter;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One run of the lifecycle on a fresh embedded database: seed, start and backfill with an old-shape
 * writer running, then add a new-shape writer once the new shape is served, check that both shapes
 * agree, then complete or roll back and check the table.
 */
final class DemoScenario {
    enum Ending {
        COMPLETE,
        ROLLBACK
    }

    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final List<String> NEW_COLUMNS = List.of("id", "first_name", "last_name", "email_address");

    private final Ending ending;
    private final Migration migration;
    private final int rows;
    private final Duration writeTime;
    private final PrintWriter out;
    private final boolean interactive;
    private final DemoChecks checks;

    DemoScenario(
            Ending ending,
            Migration migration,
            int rows,
            Duration writeTime,
            PrintWriter out,
            boolean interactive,
            DemoChecks checks) {
        this.ending = ending;
        this.migration = migration;
        this.rows = rows;
        this.writeTime = writeTime;
        this.out = out;
        this.interactive = interactive;
        this.checks = checks;
    }

    void run() throws SQLException, InterruptedException {
        String name = "tandem_demo_" + ProcessHandle.current().pid() + "_" + RUNS.incrementAndGet() + "_"
                + ending.name().toLowerCase(Locale.ROOT);
        long t0 = System.nanoTime();
        EmbeddedPostgres.Database db = EmbeddedPostgres.newDatabase(name);
        say("Database %s on embedded PostgreSQL, port %d (%s).", name, db.port(), since(t0));
        DemoDatabase database = new DemoDatabase(db.dataSource());
        t0 = System.nanoTime();
        database.seed(rows);
        say(
                "Created customers(id serial primary key, name text not null, email text) with %s rows (%s).",
                Human.count(rows), since(t0));
        database.snapshot();
        List<String> columnsBefore = database.columns();
        List<String> triggersBefore = database.triggers();
        say("Copied the rows to demo_check.expected; every write below is added there too, for the final checks.");

        String versionSchema = migration.versionSchema();
        DemoWriter oldWriter =
                new DemoWriter(DemoWriter.Shape.OLD, database, versionSchema, 1, rows / 2, new SplittableRandom(1));
        DemoWriter newWriter = new DemoWriter(
                DemoWriter.Shape.NEW, database, versionSchema, rows / 2 + 1, rows, new SplittableRandom(2));
        try (ConsoleListener listener = ConsoleListener.create(out, interactive)) {
            Engine engine = Engine.create(
                    db.dataSource(),
                    EngineOptions.builder().backfill(false).listener(listener).build());
            oldWriter.start();
            say("Old-shape writer running: INSERT and UPDATE customers (name, email), default search_path.");

            say("");
            say("tandem start --no-backfill: the new columns and sync triggers appear beside the old shape,"
                    + " while the old writer writes.");
            MigrationStatus status = engine.start(migration);
            listener.finish();
            say(
                    "Phase %s. The new shape (schema %s) is served once the backfill is done.",
                    status.phase(), versionSchema);

            say("");
            say("tandem backfill: %s existing rows, while the old writer writes.", Human.count(rows));
            t0 = System.nanoTime();
            status = engine.backfill(migration.id());
            listener.finish();
            say("Phase %s after %s: every row is in the new shape, which is now served.", status.phase(), since(t0));

            newWriter.start();
            say(
                    "New-shape writer running: SET search_path = %s, public; INSERT and UPDATE customers"
                            + " (first_name, last_name, email_address). Both writers go on for %s.",
                    versionSchema, Human.duration(writeTime));
            Thread.sleep(writeTime);
            oldWriter.stop();
            newWriter.stop();
            reportWriter(oldWriter);
            reportWriter(newWriter);

            say("");
            showCrossReads(database, oldWriter, newWriter);

            say("");
            say("Checks while both shapes are served:");
            checkBothShapes(database, oldWriter, newWriter);
            database.applyToSnapshot(oldWriter.written().values());
            database.applyToSnapshot(newWriter.written().values());

            say("");
            if (ending == Ending.COMPLETE) {
                complete(engine, listener);
                checkCompleted(database, oldWriter.lastInsert());
            } else {
                say("tandem rollback: remove the new shape; the old one keeps every write made through either.");
                status = engine.rollback(TransitionRequest.active());
                listener.finish();
                say("Phase %s.", status.phase());
                say("");
                say("Checks after rollback:");
                checkRolledBack(database, columnsBefore, triggersBefore);
            }
        } finally {
            oldWriter.stop();
            newWriter.stop();
        }
    }

    private void complete(Engine engine, ConsoleListener listener) {
        say("tandem complete: remove the old shape (contract).");
        MigrationStatus status;
        try {
            status = engine.complete(TransitionRequest.active());
        } catch (TandemException e) {
            if (e.code() != ErrorCode.GATE_REFUSED) {
                throw e;
            }
            listener.finish();
            say("  refused: %s", e.getMessage());
            for (Problem problem : e.problems()) {
                say("    %s", problem);
            }
            say("  The demo has no time to soak, so it passes the gate as an operator would, on the record:");
            say("  tandem complete --force --reason \"demo: no soak time\"");
            status = engine.complete(new TransitionRequest(null, true, "demo: no soak time"));
        }
        listener.finish();
        say("Phase %s.", status.phase());
    }

    private void reportWriter(DemoWriter writer) {
        String who = writer.shape() == DemoWriter.Shape.OLD ? "Old-shape" : "New-shape";
        say(
                "%s writer stopped: %s inserts, %s updates%s.",
                who,
                Human.count(writer.inserts()),
                Human.count(writer.updates()),
                writer.failure() == null
                        ? ", no errors"
                        : "; it FAILED: " + writer.failure().getMessage());
    }

    private void showCrossReads(DemoDatabase database, DemoWriter oldWriter, DemoWriter newWriter) throws SQLException {
        say("Each shape reads the other's writes:");
        DemoWriter.Row fromOld = oldWriter.lastInsert();
        if (fromOld != null) {
            DemoWriter.Row seen = database.readNewShape(List.of(fromOld.id()), migration.versionSchema())
                    .get(fromOld.id());
            say(
                    "  old-shape writer wrote  id %d: name '%s', email '%s'",
                    fromOld.id(), fromOld.name(), fromOld.email());
            say("  the new shape reads     %s", seen == null ? "nothing" : newShape(seen));
        }
        DemoWriter.Row fromNew = newWriter.lastInsert();
        if (fromNew != null) {
            DemoWriter.Row seen = database.readOldShape(List.of(fromNew.id())).get(fromNew.id());
            say("  new-shape writer wrote  %s", newShape(fromNew));
            say(
                    "  the old shape reads     %s",
                    seen == null
                            ? "nothing"
                            : "id %d: name '%s', email '%s'".formatted(seen.id(), seen.name(), seen.email()));
        }
    }

    private static String newShape(DemoWriter.Row row) {
        return "id %d: first_name '%s', last_name '%s', email_address '%s'"
                .formatted(row.id(), row.first(), row.last(), row.email());
    }

    private void checkBothShapes(DemoDatabase database, DemoWriter oldWriter, DemoWriter newWriter)
            throws SQLException {
        for (DemoWriter writer : List.of(oldWriter, newWriter)) {
            String shape = writer.shape().name().toLowerCase(Locale.ROOT);
            checks.check(
                    writer.failure() == null && writer.inserts() > 0,
                    "the " + shape + "-shape writer wrote without a single error ("
                            + Human.count(writer.inserts() + writer.updates()) + " writes)",
                    writer.failure() == null ? "it wrote nothing" : String.valueOf(writer.failure()));
        }
        long[] disagree = database.shapesDisagree(migration.versionSchema());
        checks.check(
                disagree[1] == 0,
                "every row reads the same in both shapes: name = first_name || ' ' || last_name, email = email_address ("
                        + Human.count(disagree[0]) + " rows)",
                Human.count(disagree[1]) + " rows differ");
        long expectedRows = rows + oldWriter.inserts() + newWriter.inserts();
        checks.equal(
                expectedRows,
                database.count("public.customers"),
                "old shape: " + Human.count(expectedRows) + " rows = seed + inserts of both writers");
        checks.equal(
                expectedRows,
                database.count(DemoDatabase.quote(migration.versionSchema()) + ".customers"),
                "new shape: the same " + Human.count(expectedRows) + " rows");
        readBack(oldWriter, database.readNewShape(oldWriter.written().keySet(), migration.versionSchema()), "new");
        readBack(newWriter, database.readOldShape(newWriter.written().keySet()), "old");
    }

    /** Every row the writer wrote reads back through the other shape exactly as written. */
    private void readBack(DemoWriter writer, Map<Long, DemoWriter.Row> read, String otherShape) {
        Map<Long, DemoWriter.Row> written = writer.written();
        List<String> wrong = new ArrayList<>();
        for (DemoWriter.Row row : written.values()) {
            if (!row.equals(read.get(row.id()))) {
                wrong.add("wrote " + row + ", read " + read.get(row.id()));
            }
        }
        checks.check(
                wrong.isEmpty(),
                "all " + Human.count(written.size()) + " rows the "
                        + writer.shape().name().toLowerCase(Locale.ROOT) + "-shape writer wrote read back through the "
                        + otherShape + " shape as written",
                wrong.isEmpty() ? "" : wrong.size() + " differ, for example " + wrong.get(0));
    }

    private void checkCompleted(DemoDatabase database, DemoWriter.Row sample) throws SQLException {
        say("customers now has the columns %s.", String.join(", ", database.columnNames()));
        if (sample != null) {
            DemoWriter.Row row =
                    database.readNewShape(List.of(sample.id()), null).get(sample.id());
            say(
                    "A client with the default search_path reads %s",
                    row == null ? "nothing for id " + sample.id() : newShape(row));
        }
        say("");
        say("Checks after complete:");
        // PostgreSQL keeps a column's position, so the renamed email_address stays second: compare as sets.
        checks.equal(
                Set.copyOf(NEW_COLUMNS),
                Set.copyOf(database.columnNames()),
                "customers has exactly the new shape's columns: " + String.join(", ", NEW_COLUMNS));
        String expected = database.expectedChecksum();
        checks.equal(
                expected, database.newShapeChecksum(), "customers holds the seed plus every write (" + expected + ")");
        checks.equal(List.of(), database.triggers(), "no sync triggers remain on customers");
    }

    private void checkRolledBack(DemoDatabase database, List<String> columnsBefore, List<String> triggersBefore)
            throws SQLException {
        checks.equal(
                columnsBefore,
                database.columns(),
                "customers has exactly its old columns: " + String.join(", ", columnsBefore));
        String expected = database.expectedChecksum();
        checks.equal(
                expected, database.oldShapeChecksum(), "customers holds the seed plus every write (" + expected + ")");
        checks.equal(triggersBefore, database.triggers(), "no triggers were left on customers");
        checks.check(
                !database.schemaExists(migration.versionSchema()),
                "the version schema " + migration.versionSchema() + " is gone",
                "it still exists");
    }

    private void say(String format, Object... args) {
        out.println(args.length == 0 ? format : String.format(Locale.ROOT, format, args));
        out.flush();
    }

    private static String since(long startNanos) {
        return Human.duration(Duration.ofNanos(System.nanoTime() - startNanos));
    }
}
