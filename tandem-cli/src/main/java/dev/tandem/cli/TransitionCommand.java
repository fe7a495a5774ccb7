package dev.tandem.cli;

import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.postgres.MigrationStatus;
import dev.tandem.postgres.StageHook;
import dev.tandem.postgres.TransitionRequest;
import dev.tandem.verify.VerificationGate;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The phase changes after {@code start}: each passes its gate, or refuses (exit 1) and says why. */
abstract class TransitionCommand extends TandemCommand {
    @Mixin
    ConnectionOptions connection;

    @Mixin
    StoreOptions stores;

    @Option(names = "--migration", paramLabel = "ID", description = "The migration; default: the active one.")
    String migrationId;

    @Option(
            names = "--force",
            description = "Pass a gate that refuses (the command's description says which it has). Needs --reason;"
                    + " both are recorded in the history.")
    boolean force;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why the gate is forced; recorded in the history.")
    String reason;

    @Option(
            names = "--lock-timeout",
            paramLabel = "DURATION",
            defaultValue = "500ms",
            converter = DurationConverter.class,
            description = "The longest any step may make other sessions wait for a lock (default: ${DEFAULT-VALUE}).")
    Duration lockTimeout;

    abstract MigrationStatus apply(Engine engine, TransitionRequest request);

    /** The engine's options beyond those every transition shares; none by default. */
    EngineOptions.Builder options(EngineOptions.Builder builder) {
        return builder;
    }

    /** What the new phase means for clients, in one sentence. */
    abstract String meaning();

    @Override
    int execute() {
        // Checked before connecting, so that --force without --reason is a usage error even offline.
        TransitionRequest request = new TransitionRequest(migrationId, force, reason);
        try (ConsoleListener listener = ConsoleListener.create(out(), Terminal.interactive(environment()))) {
            javax.sql.DataSource source = connection.dataSource(environment());
            Engine engine = Engine.create(
                    source,
                    options(EngineOptions.builder())
                            .lockTimeout(lockTimeout)
                            .listener(listener)
                            // a move's rollback cleans its target store too, when --store names it;
                            // cutover asks it whether every move is caught up, and the gate whether a
                            // verification passed within the file's verify.window
                            .hook(StageHook.all(
                                    dev.tandem.relay.MoveHook.builder(source)
                                            .stores(stores.dataSources(environment()))
                                            .listener(listener)
                                            .build(),
                                    new VerificationGate(source)))
                            .build());
            MigrationStatus status = apply(engine, request);
            listener.finish();
            out().println(status.id() + " is " + status.phase() + ": " + meaning());
        }
        return 0;
    }

    @Command(
            name = "cutover",
            description = {
                "Make the new side authoritative (phase CUT_OVER), after the backfill is done.",
                "In-store: records the phase; both shapes stay served and in sync, and tandem-client clients"
                        + " follow their shape flag. A moved table is handed over behind a fence: a write-blocking"
                        + " lock on the source (within --lock-timeout, retried), the relay drained to zero, capture"
                        + " switched to the target (its changes flow back to the source through `reverse`) and the"
                        + " source made to refuse application writes with an error naming the store and table to"
                        + " write to; then the lock goes. tandem-client writers wait through it and move on; nothing"
                        + " is written to both sides. `revert` and `rollback` lose nothing.",
                "Refused (exit 1) without a passing `tandem verify` that ended within the file's verify.window"
                        + " (default 1h; drift within max_drift_rows, default 0), and while a move is catching up (its"
                        + " lag over the bound `start --max-lag` set, or an open dead letter), as `status` shows;"
                        + " --force --reason passes these, on the record."
            })
    static final class Cutover extends TransitionCommand {
        @Override
        MigrationStatus apply(Engine engine, TransitionRequest request) {
            return engine.cutover(request);
        }

        @Override
        String meaning() {
            return "the new side takes the writes; both sides stay in sync, so `tandem revert` and `tandem rollback`"
                    + " lose nothing.";
        }
    }

    @Command(
            name = "revert",
            description = {
                "Make the old side authoritative again (CUT_OVER back to VERIFIED).",
                "In-store, this records the phase. A moved table is handed back behind the same fence as cutover,"
                        + " the other way round: the target's last changes reach the source before it takes writes"
                        + " again, and the target refuses application writes. Nothing is lost."
            })
    static final class Revert extends TransitionCommand {
        @Override
        MigrationStatus apply(Engine engine, TransitionRequest request) {
            return engine.revert(request);
        }

        @Override
        String meaning() {
            return "the old side takes the writes again; both sides stay in sync.";
        }
    }

    @Command(
            name = "complete",
            description = {
                "Contract: remove the old shape; the tables then have the new shape for every client.",
                "Refused (exit 1) until the backfill is done, every deprecated field's sunset date has passed,"
                        + " and no client that embeds tandem-client has been seen on the old shape (its heartbeat"
                        + " says side old, or both while its reads are split) for the soak time (--soak). The"
                        + " refusal names each such service and instance and when it was last seen. --force"
                        + " --reason passes the sunset and client gates (not the backfill), on the record. Clients"
                        + " that send no heartbeat are not seen: move them to the new shape first. If it stops"
                        + " part-way, run it again: it goes on from the last step done, and `rollback` is refused."
            })
    static final class Complete extends TransitionCommand {
        @Option(
                names = "--soak",
                paramLabel = "DURATION",
                defaultValue = "10m",
                converter = DurationConverter.class,
                description = "How long no client may have been seen on the old shape before complete removes it"
                        + " (default: ${DEFAULT-VALUE}; 0s turns the check off).")
        Duration soak;

        @Override
        EngineOptions.Builder options(EngineOptions.Builder builder) {
            return builder.clientSoak(soak);
        }

        @Override
        MigrationStatus apply(Engine engine, TransitionRequest request) {
            return engine.complete(request);
        }

        @Override
        String meaning() {
            return "the old shape is gone and the tables have the new shape for every client (a moved table's source"
                    + " stays as a read-only archive, no longer kept in sync).";
        }
    }

    @Command(
            name = "rollback",
            description = {
                "Remove the new shape: its columns, copies, indexes, constraints, sync triggers and version schema.",
                "The old shape keeps every write made through either shape. Refused once `complete` has begun."
            })
    static final class Rollback extends TransitionCommand {
        @Override
        MigrationStatus apply(Engine engine, TransitionRequest request) {
            return engine.rollback(request);
        }

        @Override
        String meaning() {
            return "the new shape is gone; the tables are as before, with every write made through either shape.";
        }
    }
}
