package dev.tandem.cli;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.postgres.MigrationStatus;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "status",
        description = {
            "Show where each active migration stands (at most one per schema), and what to do next.",
            "--migration picks one, active or not. --json prints one object for one migration, an array of them"
                    + " when several are active, and null when none is."
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
        Engine engine = Engine.create(connection.dataSource(environment()), EngineOptions.defaults());
        if (migrationId != null) {
            MigrationStatus status = engine.status(migrationId)
                    .orElseThrow(() -> new TandemException(
                            ErrorCode.USAGE,
                            "no migration " + migrationId
                                    + " in this database; `tandem history` lists the ones there are"));
            if (json) {
                Json.status(status, out());
            } else {
                StatusView.print(status, out());
                printMoves(status);
            }
            return 0;
        }
        List<MigrationStatus> active = engine.active();
        if (json) {
            // One active migration keeps the object scripts already read; several are an array.
            if (active.size() > 1) {
                Json.statuses(active, out());
            } else {
                Json.status(active.isEmpty() ? null : active.getFirst(), out());
            }
        } else if (active.isEmpty()) {
            printNoActive(engine.migrations());
        } else {
            printActive(active);
        }
        return 0;
    }

    private void printActive(List<MigrationStatus> active) {
        if (active.size() > 1) {
            out().println(active.size() + " migrations are active, one per schema. Commands that act on one need"
                    + " --migration ID.");
            out().println();
        }
        for (int i = 0; i < active.size(); i++) {
            if (i > 0) {
                out().println();
            }
            StatusView.print(active.get(i), out());
            printMoves(active.get(i));
        }
    }

    /** One line per table the migration moves: the relay's backlog and lag, its rate, dead letters, the copy. */
    private void printMoves(MigrationStatus status) {
        javax.sql.DataSource source = connection.dataSource(environment());
        java.util.Map<String, javax.sql.DataSource> targets = stores.dataSources(environment());
        try (java.sql.Connection c = source.getConnection()) {
            for (dev.tandem.relay.MoveRegistry.Registered r : dev.tandem.relay.MoveRegistry.all(c)) {
                if (!r.spec().migrationId().startsWith(status.id() + ".")) {
                    continue;
                }
                dev.tandem.relay.MoveStatus m = dev.tandem.relay.MoveStatus.of(
                        source, targets.get(r.store()), r.spec().migrationId());
                out().printf(
                                "%-10s %s -> %s.%s: backlog %d (lag %s), %s, %d open dead %s, %s%n",
                                "move",
                                r.spec().sourceTable(),
                                r.store(),
                                r.spec().targetTable(),
                                m.backlog(),
                                Human.duration(m.lag()),
                                targets.containsKey(r.store())
                                        ? String.format(java.util.Locale.ROOT, "%.1f applied/s", m.appliedPerSecond())
                                        : "applied/s needs --store " + r.store(),
                                m.openDeadLetters(),
                                m.openDeadLetters() == 1 ? "letter" : "letters",
                                m.copiedAt() == null ? "copy not done" : "copy done (" + m.copiedRows() + " rows)");
            }
        } catch (java.sql.SQLException e) {
            out().println("move       could not read the moves: " + e.getMessage());
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
