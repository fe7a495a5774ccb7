package dev.tandem.cli;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Linter;
import dev.tandem.core.Migration;
import dev.tandem.core.MigrationFiles;
import dev.tandem.core.TandemException;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.postgres.MigrationStatus;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "start",
        description = {
            "Start a migration: expand, then backfill; both shapes work throughout.",
            "Lints the file first and refuses (exit 1) on an error. Expanding adds the new shape beside the old"
                    + " (new columns, sync triggers, the version schema); the backfill then brings existing rows into it."
                    + " A start that fails undoes what it made; the file, fixed or not, may then be started again.",
            "A move_table is checked, read-only, against this store and its target store (--store); exit 2 lists"
                    + " every problem. A move that fits gets capture on this store, its state on the target, and a"
                    + " copy of the existing rows; `tandem relay` then delivers every change."
        })
final class StartCommand extends TandemCommand {
    @Parameters(index = "0", paramLabel = "<file>", description = "The migration file.")
    Path file;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    BackfillOptions backfill;

    @Mixin
    StoreOptions stores;

    @Option(names = "--no-backfill", description = "Only expand; run the backfill later with `tandem backfill`.")
    boolean noBackfill;

    @Override
    int execute() {
        Migration migration = MigrationFiles.parse(file);
        if (LintCommand.printFindings(Linter.lint(migration), out())) {
            throw new TandemException(
                    ErrorCode.LINT_FAILED,
                    "refusing to start " + migration.id()
                            + ": lint found errors (above). Fix them, check with `tandem lint " + file
                            + "`, then start again");
        }
        javax.sql.DataSource source = connection.dataSource(environment());
        java.util.Map<String, javax.sql.DataSource> targets = java.util.Map.of();
        if (!MoveChecks.moves(migration).isEmpty()) {
            targets = stores.dataSourcesFor(migration, environment());
            MoveChecks.requireFit(migration, source, targets);
        }
        try (ConsoleListener listener = ConsoleListener.create(out(), Terminal.interactive(environment()))) {
            EngineOptions options = options(listener).toBuilder()
                    .hook(new dev.tandem.relay.MoveHook(
                            source, targets, dev.tandem.relay.Moves.COPY_BATCH, backfill.maxRowsPerSecond, listener))
                    .build();
            Engine engine = Engine.create(source, options);
            out().println("Starting " + migration.id() + " (lock timeout " + Human.duration(backfill.lockTimeout)
                    + ")");
            MigrationStatus status = engine.start(migration);
            listener.finish();
            out().println();
            StatusView.print(status, out());
        }
        return 0;
    }

    EngineOptions options(ConsoleListener listener) {
        return backfill.engineOptions(listener).backfill(!noBackfill).build();
    }
}
