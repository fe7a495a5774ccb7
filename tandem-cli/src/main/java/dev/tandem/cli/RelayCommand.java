package dev.tandem.cli;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import dev.tandem.relay.Relay;
import dev.tandem.relay.Relays;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "relay",
        description = {
            "Deliver every move's captured changes from this store to its target store, until stopped; and,"
                    + " while a move is cut over, its target's changes back to this store. Nothing needs a restart"
                    + " at cutover or revert.",
            "Any number of relays may run at once; each claims its own batches. SIGTERM (or Ctrl-C) delivers the"
                    + " batch in hand and exits. A transient failure (connection, lock, serialization) is retried"
                    + " with backoff; a change the target refuses on its data is retried, then parked in the dead"
                    + " letters (`tandem dead-letters`) while every other key keeps flowing."
        })
final class RelayCommand extends TandemCommand {
    @Mixin
    ConnectionOptions connection;

    @Mixin
    StoreOptions stores;

    @Option(
            names = "--batch-size",
            paramLabel = "N",
            defaultValue = "1000",
            description = "Changes per batch" + " (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(
            names = "--max-attempts",
            paramLabel = "N",
            defaultValue = "5",
            description = "Tries of a change the" + " target refuses before it is parked (default: ${DEFAULT-VALUE}).")
    int maxAttempts;

    @Option(names = "--drain", description = "Exit once the outbox is empty, instead of waiting for more changes.")
    boolean drain;

    @Override
    int execute() throws InterruptedException {
        DataSource source = connection.dataSource(environment());
        Map<String, DataSource> targets = stores.dataSources(environment());
        List<Relay> relays;
        try {
            relays = Relays.of(source, targets, b -> b.batchSize(batchSize).maxAttempts(maxAttempts));
        } catch (IllegalArgumentException e) {
            throw new TandemException(ErrorCode.USAGE, e.getMessage());
        } catch (SQLException e) {
            throw new TandemException(ErrorCode.CONNECTION_FAILED, "could not read the moves: " + e.getMessage(), e);
        }
        if (drain) {
            try {
                long total = 0;
                long parked = 0;
                for (Relay relay : relays) {
                    int n;
                    while ((n = relay.deliverOnce()) > 0) {
                        total += n;
                    }
                    parked += relay.stats().parked();
                    relay.close();
                }
                out().println("relay: the outbox is empty; " + total + " changes delivered or parked, " + parked
                        + " parked");
                return 0;
            } catch (SQLException e) {
                throw new TandemException(ErrorCode.DATABASE_ERROR, "relay: " + e.getMessage(), e);
            }
        }
        // The hook waits for the batch in hand and the last line, not for the main thread: main ends in
        // System.exit, which blocks while the hooks run, so joining it would hold the exit for the whole wait.
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    relays.forEach(Relay::stop);
                    try {
                        stopped.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException ignored) {
                        Thread.currentThread().interrupt();
                    }
                },
                "tandem-relay-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out().println("relay: delivering; SIGTERM delivers the batch in hand and exits");
        out().flush();
        // One thread per store that changes come from: the source, and each target once a move is cut over.
        List<Thread> threads = new ArrayList<>();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        try {
            for (Relay relay : relays) {
                Thread t = new Thread(
                        () -> {
                            try {
                                relay.run();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            } catch (RuntimeException e) {
                                failure.compareAndSet(null, e);
                                relays.forEach(Relay::stop);
                            }
                        },
                        "tandem-relay-" + threads.size());
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw failure.get();
            }
            long delivered =
                    relays.stream().mapToLong(r -> r.stats().delivered()).sum();
            long parked = relays.stream().mapToLong(r -> r.stats().parked()).sum();
            out().println("relay: stopped; " + delivered + " delivered, " + parked + " parked");
            out().flush();
        } finally {
            stopped.countDown();
        }
        return 0;
    }
}
