package dev.tandem.cli;

import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.client.MigrationHandle;
import dev.tandem.client.Side;
import dev.tandem.client.Tandem;
import dev.tandem.core.Migration;
import dev.tandem.core.Operation.MoveTable;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.FlagRequest;
import dev.tandem.postgres.MigrationStatus;
import dev.tandem.postgres.TransitionRequest;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * The move's second half, as a service lives it: the orders service's code, deployed once with SQL for
 * both sides, writes and reads through {@code tandem-client} while an operator moves its reads with a
 * flag, cuts over, reverts and cuts over again under load, and completes. The relay process started
 * before carries the changes in whichever direction the phase says. At the end the two stores are
 * compared row for row, and the longest write is shown: what the fences cost the writers.
 */
final class DemoClientMove {
    private final Migration migration;
    private final MoveTable move;
    private final long seeded;
    private final Duration writeTime;
    private final PrintWriter out;
    private final DemoChecks checks;

    DemoClientMove(
            Migration migration, MoveTable move, long seeded, Duration writeTime, PrintWriter out, DemoChecks checks) {
        this.migration = migration;
        this.move = move;
        this.seeded = seeded;
        this.writeTime = writeTime;
        this.out = out;
        this.checks = checks;
    }

    void run(Engine engine, DemoStores stores, DemoMoveChecks moveChecks, ConsoleListener listener)
            throws SQLException, InterruptedException {
        try (HikariDataSource ordersPool = DemoPool.of(stores.source(), 6);
                HikariDataSource billingPool = DemoPool.of(stores.target(), 6);
                Tandem tandem = Tandem.connect()
                        .service(migration.service())
                        .dataSource(ordersPool)
                        .store(move.toStore(), billingPool)
                        .build()) {
            MigrationHandle handle = tandem.migration(migration.id());
            say(
                    "Tandem.connect().service(\"%s\").dataSource(orders).store(\"%s\", billing): the service's"
                            + " client sees %s at stage %s.",
                    migration.service(),
                    move.toStore(),
                    handle.phase(),
                    handle.stage().wireName());
            List<DemoClientWriter> writers = List.of(
                    new DemoClientWriter("1", handle, seeded, new SplittableRandom(5)),
                    new DemoClientWriter("2", handle, seeded, new SplittableRandom(6)));
            Reader reader = new Reader(handle, seeded);
            writers.forEach(DemoClientWriter::start);
            reader.start();
            say("Two writers through handle.write(...) and a reader through handle.read(...), with SQL for orders"
                    + " and for invoices; the handle picks the side.");
            pause();

            flag(engine, 50);
            pause();
            say("  reads so far: %s on orders, %s on invoices", reader.old.get(), reader.onNew.get());
            flag(engine, 100);
            pause();

            transition("tandem cutover", () -> engine.cutover(TransitionRequest.active()), listener, handle);
            pause();
            transition("tandem revert", () -> engine.revert(TransitionRequest.active()), listener, handle);
            pause();
            transition("tandem cutover", () -> engine.cutover(TransitionRequest.active()), listener, handle);
            pause();

            for (DemoClientWriter w : writers) {
                w.stop();
            }
            reader.stop();
            List<Long> times = new ArrayList<>();
            writers.forEach(w -> times.addAll(w.times()));
            times.sort(null);
            long writes = writers.stream().mapToLong(DemoClientWriter::writes).sum();
            long onTarget =
                    writers.stream().mapToLong(DemoClientWriter::onTarget).sum();
            Duration longest = times.isEmpty() ? Duration.ZERO : Duration.ofNanos(times.getLast());
            Duration p99 = times.isEmpty()
                    ? Duration.ZERO
                    : Duration.ofNanos(times.get((int) Math.min(times.size() - 1, Math.ceil(times.size() * 0.99) - 1)));
            say(
                    "Writers stopped: %s writes (%s of them on invoices), the longest took %s, p99 %s; reads: %s on"
                            + " orders, %s on invoices.",
                    Human.count(writes),
                    Human.count(onTarget),
                    Human.duration(longest),
                    Human.duration(p99),
                    Human.count(reader.old.get()),
                    Human.count(reader.onNew.get()));
            awaitBothOutboxesEmpty(stores);

            say("");
            say("Checks after cutover, revert and cutover under load:");
            List<String> failures = new ArrayList<>();
            writers.stream().filter(w -> w.failure() != null).forEach(w -> failures.add(String.valueOf(w.failure())));
            if (reader.failure != null) {
                failures.add(String.valueOf(reader.failure));
            }
            checks.check(
                    failures.isEmpty() && writes > 0 && onTarget > 0 && onTarget < writes,
                    "every write through tandem-client succeeded, on one side at a time, through three fences ("
                            + Human.count(writes) + " writes; the longest " + Human.duration(longest) + ")",
                    failures.isEmpty() ? "writes went to one side only" : String.join("; ", failures));
            moveChecks.sameRows();

            say("");
            say("tandem complete --force --reason \"demo: no soak time\": sync stops; orders stays as a read-only"
                    + " archive.");
            MigrationStatus status = engine.complete(new TransitionRequest(null, true, "demo: no soak time"));
            listener.finish();
            say(
                    "Phase %s; the client sees stage %s.",
                    status.phase(), handle.stage().wireName());
            checks.check(
                    refusesWrites(stores.source()),
                    "orders refuses application writes after complete (SQLSTATE TD001, naming " + move.toStore() + "."
                            + move.toTable() + ") and still answers reads",
                    "a write to orders went through");
        }
    }

    private interface Transition {
        MigrationStatus run();
    }

    private void transition(String command, Transition t, ConsoleListener listener, MigrationHandle handle)
            throws InterruptedException {
        say("%s --store %s=...: under load.", command, move.toStore());
        long t0 = System.nanoTime();
        MigrationStatus status = t.run();
        listener.finish();
        Thread.sleep(50);
        say(
                "  phase %s after %s; the client writes to the %s side now.",
                status.phase(),
                Human.duration(Duration.ofNanos(System.nanoTime() - t0)),
                handle.writeSide() == Side.NEW
                        ? "new (" + move.toStore() + "." + move.toTable() + ")"
                        : "old (orders)");
    }

    private void flag(Engine engine, int percent) {
        say(
                "tandem flag --reads-new %d%%: the share of routing keys whose reads go to %s.%s.",
                percent, move.toStore(), move.toTable());
        engine.flag(FlagRequest.readsNew(migration.id(), percent));
    }

    private void awaitBothOutboxesEmpty(DemoStores stores) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline
                && (count(stores.source(), "SELECT count(*) FROM tandem.outbox") > 0
                        || count(stores.target(), "SELECT count(*) FROM tandem.outbox") > 0)) {
            Thread.sleep(50);
        }
    }

    private static long count(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private boolean refusesWrites(DataSource source) throws SQLException {
        try (Connection c = source.getConnection();
                Statement s = c.createStatement()) {
            count(source, "SELECT count(*) FROM public.orders");
            try {
                s.executeUpdate("UPDATE public.orders SET total = total WHERE id = 1");
                return false;
            } catch (SQLException e) {
                return "TD001".equals(e.getSQLState()) && e.getMessage().contains(move.toStore());
            }
        }
    }

    private void pause() throws InterruptedException {
        Thread.sleep(Math.max(500, writeTime.toMillis() / 2));
    }

    /** Reads orders by id through the handle, counting the side each read went to. */
    private static final class Reader implements Runnable {
        private final MigrationHandle handle;
        private final long seeded;
        private final Thread thread = new Thread(this, "demo-client-reader");
        private final AtomicLong old = new AtomicLong();
        private final AtomicLong onNew = new AtomicLong();
        private volatile boolean stopping;
        private volatile Exception failure;

        Reader(MigrationHandle handle, long seeded) {
            this.handle = handle;
            this.seeded = seeded;
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            stopping = true;
            thread.join(Duration.ofSeconds(30));
        }

        @Override
        public void run() {
            SplittableRandom random = new SplittableRandom(7);
            while (!stopping) {
                long id = random.nextLong(1, seeded + 1);
                try {
                    Side side = handle.read(
                            String.valueOf(id),
                            c -> read(c, "SELECT total FROM public.orders WHERE id = ?", id, Side.OLD),
                            c -> read(c, "SELECT total_cents FROM public.invoices WHERE id = ?", id, Side.NEW));
                    (side == Side.NEW ? onNew : old).incrementAndGet();
                    Thread.sleep(2);
                } catch (SQLException | RuntimeException e) {
                    failure = e;
                    return;
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private static Side read(Connection c, String sql, long id, Side side) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                }
            }
            return side;
        }
    }

    private void say(String format, Object... args) {
        out.println(args.length == 0 ? format : String.format(Locale.ROOT, format, args));
        out.flush();
    }
}
