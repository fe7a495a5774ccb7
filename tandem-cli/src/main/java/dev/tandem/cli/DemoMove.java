package dev.tandem.cli;

import dev.tandem.core.Migration;
import dev.tandem.core.Operation.MoveTable;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.postgres.MigrationStatus;
import dev.tandem.postgres.StageHook;
import dev.tandem.relay.MoveHook;
import dev.tandem.relay.MoveSpec;
import dev.tandem.relay.MoveStatus;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.verify.VerificationGate;
import java.io.PrintWriter;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * The move, on two fresh databases of the embedded server: {@code orders} on the source store, with
 * writers running throughout; {@code start} installs capture and copies the rows; a relay process
 * delivers, is killed with SIGKILL, and a new one takes over the backlog; once the writers stop and
 * the outbox is empty, the target is compared row for row with the source mapped through {@code
 * columns}, and {@code tandem verify} says so; drift written behind the relay's back is found by key,
 * refused at cutover and repaired ({@link DemoVerify}). Then the service's code, through {@code tandem-client}, writes and reads while the move is
 * cut over, reverted, cut over again and completed ({@link DemoClientMove}); the relay that carried it
 * all is stopped with SIGTERM.
 */
final class DemoMove {
    /** How long a relay gets to start and take over, or to drain, on a busy machine. */
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    /** How long a relay may take to exit after SIGTERM. */
    private static final Duration STOP_BOUND = Duration.ofSeconds(10);

    private static final AtomicInteger RUNS = new AtomicInteger();

    private final Migration migration;
    private final MoveTable move;
    private final MoveSpec spec;
    private final int rows;
    private final Duration writeTime;
    private final PrintWriter out;
    private final boolean interactive;
    private final DemoChecks checks;
    /** Every relay process started, so that none outlives the demo; touched by the demo's thread only. */
    private final List<DemoRelay> relays = new ArrayList<>();

    DemoMove(
            Migration migration,
            int rows,
            Duration writeTime,
            PrintWriter out,
            boolean interactive,
            DemoChecks checks) {
        this.migration = migration;
        this.move = MoveChecks.moves(migration).getFirst();
        this.spec = MoveHook.spec(migration, move);
        this.rows = rows;
        this.writeTime = writeTime;
        this.out = out;
        this.interactive = interactive;
        this.checks = checks;
    }

    void run() throws SQLException, InterruptedException {
        String name = "tandem_demo_" + ProcessHandle.current().pid() + "_move" + RUNS.incrementAndGet() + "_";
        long t0 = System.nanoTime();
        EmbeddedPostgres.Database sourceDb = EmbeddedPostgres.newDatabase(name + "orders");
        EmbeddedPostgres.Database targetDb = EmbeddedPostgres.newDatabase(name + move.toStore());
        say(
                "Source store %s and target store %s (%s): two databases on the embedded server (%s).",
                sourceDb.name(), targetDb.name(), move.toStore(), since(t0));
        DemoStores stores = new DemoStores(sourceDb.dataSource(), targetDb.dataSource());
        t0 = System.nanoTime();
        stores.seedOrders(rows);
        say(
                "Created orders(id bigserial primary key, customer_id bigint not null, total numeric(12, 2)) with %s"
                        + " rows on the source (%s).",
                Human.count(rows), since(t0));
        stores.createInvoices();
        say("Created invoices(id bigint primary key, customer_id bigint not null, total_cents bigint), empty, on the"
                + " target, as the billing service's own migration would.");

        List<String> relayArgs =
                List.of("relay", "--url", url(sourceDb), "--store", move.toStore() + "=" + url(targetDb));
        List<DemoOrderWriter> writers = List.of(
                new DemoOrderWriter("1", stores.source(), rows, new SplittableRandom(3)),
                new DemoOrderWriter("2", stores.source(), rows, new SplittableRandom(4)));
        DemoMoveChecks moveChecks = new DemoMoveChecks(move, spec, stores, checks);
        try (ConsoleListener listener = ConsoleListener.create(out, interactive)) {
            writers.forEach(DemoOrderWriter::start);
            say("Two writers running on orders, knowing nothing of the move: INSERT, UPDATE, DELETE, and INSERT ... ON"
                    + " CONFLICT of ids that may be deleted, on the same ids (half of them on 200 hot ones).");
            say("");
            Engine engine = start(stores, listener);

            say("");
            long waiting = stores.status(spec).backlog();
            DemoRelay first = startRelay(relayArgs);
            boolean firstTookOver = awaitTakeOver(first, waiting, stores);
            MoveStatus moved = stores.status(spec);
            t0 = System.nanoTime();
            int killed = first.kill();
            say(
                    "kill -9 %d (SIGKILL) while it delivers: exit code %d (128 + 9, SIGKILL) after %s. A batch it had"
                            + " claimed and not delivered goes back to the outbox with its connection.",
                    first.pid(), killed, since(t0));
            Thread.sleep(writeTime);
            MoveStatus stalled = stores.status(spec);
            say(
                    "The writers go on for %s with no relay: the outbox grows from %s to %s changes, the oldest %s old.",
                    Human.duration(writeTime),
                    Human.count(moved.backlog()),
                    Human.count(stalled.backlog()),
                    Human.duration(stalled.lag()));
            DemoRelay second = startRelay(relayArgs);
            boolean secondTookOver = awaitTakeOver(second, stalled.backlog(), stores);

            for (DemoOrderWriter writer : writers) {
                writer.stop();
            }
            reportWriters(writers);
            MoveStatus drained = awaitDrained(second, stores);

            say("");
            say("Checks after the move:");
            moveChecks.writers(writers);
            moveChecks.tookOver(firstTookOver, secondTookOver, DEADLINE);
            moveChecks.drained(drained);
            moveChecks.sameRows();

            say("");
            say("Verification before the cutover, with the relay running:");
            new DemoVerify(move, stores, out, checks).run(engine);

            say("");
            new DemoClientMove(migration, move, rows, writeTime, out, checks).run(engine, stores, moveChecks, listener);

            say("");
            say(
                    "kill -TERM %d (SIGTERM): the relay, which carried both directions without a restart, delivers the"
                            + " batch in hand, and exits.",
                    second.pid());
            t0 = System.nanoTime();
            Integer stopped = second.terminate(STOP_BOUND);
            say(
                    "Relay %d %s.",
                    second.pid(),
                    stopped == null
                            ? "was still running after " + Human.duration(STOP_BOUND) + ", and was killed"
                            : "exited after " + since(t0) + ", exit code " + stopped + " (128 + 15, SIGTERM)");
            moveChecks.stopped(second, stopped, STOP_BOUND);
        } finally {
            for (DemoOrderWriter writer : writers) {
                writer.stop();
            }
            for (DemoRelay relay : relays) {
                if (relay.alive()) {
                    relay.kill();
                }
            }
        }
    }

    /** Checks the move against both stores, then starts it as {@code tandem start --store} does. */
    private Engine start(DemoStores stores, ConsoleListener listener) throws SQLException {
        say(
                "tandem start %s --store %s=...: capture on orders, the move's state on %s, then a copy of the"
                        + " existing rows, while the writers write.",
                DemoCommand.MOVE, move.toStore(), move.toStore());
        long t0 = System.nanoTime();
        DataSource source = stores.source();
        Map<String, DataSource> targets = Map.of(move.toStore(), stores.target());
        MoveChecks.requireFit(migration, source, targets);
        say("  checked, read-only: orders fits %s.%s (key, columns, types)", move.toStore(), move.toTable());
        Engine engine = Engine.create(
                source,
                EngineOptions.builder()
                        .listener(listener)
                        .hook(StageHook.all(
                                MoveHook.builder(source)
                                        .stores(targets)
                                        .listener(listener)
                                        .build(),
                                new VerificationGate(source)))
                        .build());
        MigrationStatus status = engine.start(migration);
        listener.finish();
        say(
                "Phase %s after %s. The outbox holds %s changes the writers made since capture began.",
                status.phase(), since(t0), Human.count(stores.status(spec).backlog()));
        return engine;
    }

    private DemoRelay startRelay(List<String> args) {
        DemoRelay relay = DemoRelay.start(args, out);
        relays.add(relay);
        say("Relay process %d started: %s", relay.pid(), DemoRelay.shown(args));
        return relay;
    }

    /**
     * Waits until {@code relay} has delivered every change captured before it started ({@code waiting}
     * of them): the oldest change left is younger than the relay. Says how it went.
     */
    private boolean awaitTakeOver(DemoRelay relay, long waiting, DemoStores stores)
            throws SQLException, InterruptedException {
        long deadline = relay.startedNanos() + DEADLINE.toNanos();
        MoveStatus status;
        do {
            status = stores.status(spec);
            Duration running = Duration.ofNanos(System.nanoTime() - relay.startedNanos());
            if (relay.delivering() && status.lag().compareTo(running) < 0) {
                say(
                        "Relay %d delivered the %s changes waiting when it started, %s after its start; the outbox now"
                                + " holds %s, the oldest %s old.",
                        relay.pid(),
                        Human.count(waiting),
                        Human.duration(running),
                        Human.count(status.backlog()),
                        Human.duration(status.lag()));
                return true;
            }
            Thread.sleep(50);
        } while (relay.alive() && System.nanoTime() < deadline);
        say(
                "Relay %d did not take over (%s): the outbox holds %s, the oldest %s old.",
                relay.pid(),
                relay.alive() ? "still behind after " + Human.duration(DEADLINE) : "it exited",
                Human.count(status.backlog()),
                Human.duration(status.lag()));
        return false;
    }

    /** Waits, within {@link #DEADLINE}, until the outbox is empty or the relay is gone; says how it went. */
    private MoveStatus awaitDrained(DemoRelay relay, DemoStores stores) throws SQLException, InterruptedException {
        long t0 = System.nanoTime();
        MoveStatus status = stores.status(spec);
        while (status.backlog() > 0 && relay.alive() && System.nanoTime() - t0 < DEADLINE.toNanos()) {
            Thread.sleep(50);
            status = stores.status(spec);
        }
        say(
                "%s after %s; %s dead letters.",
                status.backlog() == 0
                        ? "The outbox is empty"
                        : "The outbox still holds " + Human.count(status.backlog()) + " changes",
                since(t0),
                Human.count(status.openDeadLetters()));
        return status;
    }

    private void reportWriters(List<DemoOrderWriter> writers) {
        for (int i = 0; i < writers.size(); i++) {
            DemoOrderWriter w = writers.get(i);
            say(
                    "Writer %d stopped: %s inserts, %s updates, %s deletes, %s inserts on conflict%s.",
                    i + 1,
                    Human.count(w.inserts()),
                    Human.count(w.updates()),
                    Human.count(w.deletes()),
                    Human.count(w.upserts()),
                    w.failure() == null
                            ? ", no errors"
                            : "; it FAILED: " + w.failure().getMessage());
        }
    }

    /** A URL the relay process connects with; the embedded server trusts local connections. */
    private static String url(EmbeddedPostgres.Database db) {
        return "postgres://" + db.user() + "@localhost:" + db.port() + "/" + db.name();
    }

    private void say(String format, Object... args) {
        out.println(args.length == 0 ? format : String.format(Locale.ROOT, format, args));
        out.flush();
    }

    private static String since(long startNanos) {
        return Human.duration(Duration.ofNanos(System.nanoTime() - startNanos));
    }
}
