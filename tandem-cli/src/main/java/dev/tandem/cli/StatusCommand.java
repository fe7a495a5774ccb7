package dev.tandem.cli;

import dev.tandem.cli.VerificationJson.LastVerification;
import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import dev.tandem.core.VerifySpec;
import dev.tandem.postgres.ClientReport;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.postgres.MigrationStatus;
import dev.tandem.relay.MoveHook;
import dev.tandem.verify.Verifications;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "status",
        description = {
            "Show where each active migration stands (at most one per schema), and what to do next.",
            "--migration picks one, active or not. --json prints one object for one migration, an array of them"
                    + " when several are active, and null when none is.",
            "A migration that moves a table shows a block per move: BACKFILLED or not and why, the relay's lag"
                    + " (the age of the oldest change not yet delivered) against the bound `start --max-lag` set, the"
                    + " backlog, the changes applied per second (read from the target store: --store), the open"
                    + " dead letters and the copy. Its phase is BACKFILLED only while every move is: a move whose"
                    + " copy is done but whose lag is over its bound, or that has an open dead letter, is shown"
                    + " EXPANDED, catching up.",
            "Each migration shows its runtime flags (`tandem flag`), the client instances that embed tandem-client"
                    + " with the side each uses and when it was last seen (stale after 30 s without a"
                    + " heartbeat), and their shadow reads: how many were compared on both sides, how many"
                    + " differed, and a few differences with their keys.",
            "The last verification (`tandem verify`): when it ended, whether it passed, its rows and drifted rows,"
                    + " and whether it still counts for the cutover gate (within the file's verify.window)."
        })
final class StatusCommand extends TandemCommand {
    @Mixin
    ConnectionOptions connection;

    @Mixin
    StoreOptions stores;

    @Option(names = "--migration", paramLabel = "ID", description = "The migration to show; default: every active one.")
    String migrationId;

    @Option(names = "--json", description = "Print JSON for scripts.")
    boolean json;

    @Override
    int execute() {
        DataSource source = connection.dataSource(environment());
        Map<String, DataSource> targets = stores.dataSources(environment());
        // The hook tells the engine whether a move whose copy is done is also caught up, so the phase
        // shown is BACKFILLED only when it is (MoveHook, StageHook#catchingUp). It reads the source only.
        Engine engine = Engine.create(
                source,
                EngineOptions.builder()
                        .hook(MoveHook.builder(source).stores(targets).build())
                        .build());
        if (migrationId != null) {
            MigrationStatus status = engine.status(migrationId)
                    .orElseThrow(() -> new TandemException(
                            ErrorCode.USAGE,
                            "no migration " + migrationId
                                    + " in this database; `tandem history` lists the ones there are"));
            if (json) {
                Json.status(
                        status,
                        moves(source, targets, status),
                        engine.clients(status.id()),
                        verification(engine, source, status),
                        out());
            } else {
                StatusView.print(
                        status,
                        moves(source, targets, status),
                        engine.clients(status.id()),
                        verification(engine, source, status),
                        out());
            }
            return 0;
        }
        List<MigrationStatus> active = engine.active();
        if (json) {
            // One active migration keeps the object scripts already read; several are an array.
            if (active.size() > 1) {
                // Read before printing, so that a failure prints no half-written JSON.
                Map<String, List<MoveReport>> moves = new java.util.HashMap<>();
                Map<String, ClientReport> clients = new java.util.HashMap<>();
                Map<String, LastVerification> verifications = new java.util.HashMap<>();
                for (MigrationStatus s : active) {
                    moves.put(s.id(), moves(source, targets, s));
                    clients.put(s.id(), engine.clients(s.id()));
                    verifications.put(s.id(), verification(engine, source, s));
                }
                Json.statuses(active, moves, clients, verifications, out());
            } else if (active.isEmpty()) {
                Json.status(null, out());
            } else {
                MigrationStatus only = active.getFirst();
                Json.status(
                        only,
                        moves(source, targets, only),
                        engine.clients(only.id()),
                        verification(engine, source, only),
                        out());
            }
        } else if (active.isEmpty()) {
            printNoActive(engine.migrations());
        } else {
            if (active.size() > 1) {
                out().println(active.size() + " migrations are active, one per schema. Commands that act on one"
                        + " need --migration ID.");
                out().println();
            }
            for (int i = 0; i < active.size(); i++) {
                if (i > 0) {
                    out().println();
                }
                MigrationStatus s = active.get(i);
                StatusView.print(
                        s, moves(source, targets, s), engine.clients(s.id()), verification(engine, source, s), out());
            }
        }
        return 0;
    }

    /** The tables {@code status}'s migration moves, each with where its delivery stands. */
    private static List<MoveReport> moves(DataSource source, Map<String, DataSource> targets, MigrationStatus status) {
        try {
            return MoveReport.of(source, targets, status.id());
        } catch (SQLException e) {
            throw new TandemException(
                    ErrorCode.DATABASE_ERROR,
                    "could not read the moves of " + status.id() + " on this store: " + e.getMessage(),
                    e);
        }
    }

    /** The last verification recorded for {@code status}'s migration, with its file's window. */
    private static LastVerification verification(Engine engine, DataSource source, MigrationStatus status) {
        Duration window =
                engine.migration(status.id()).map(m -> m.verify().window()).orElse(VerifySpec.DEFAULT_WINDOW);
        try (Connection c = source.getConnection()) {
            return new LastVerification(Verifications.last(c, status.id()).orElse(null), window, Instant.now());
        } catch (SQLException e) {
            throw new TandemException(
                    ErrorCode.DATABASE_ERROR,
                    "could not read the verifications of " + status.id() + ": " + e.getMessage(),
                    e);
        }
    }

    private void printNoActive(List<MigrationStatus> all) {
        if (all.isEmpty()) {
            out().println("No migration has run on this database yet. `tandem start <file>` starts one.");
            return;
        }
        MigrationStatus last = all.get(all.size() - 1);
        out().println("No active migration. The last one, " + last.id() + ", is " + last.phase()
                + (last.updatedAt() == null ? "" : " since " + Human.instant(last.updatedAt())) + ".");
    }
}
