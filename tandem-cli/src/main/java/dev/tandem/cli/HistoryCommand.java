package dev.tandem.cli;

import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.postgres.HistoryEntry;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "history",
        description = {
            "Show every recorded phase change and flag change in this database, oldest first.",
            "A flag change (`tandem flag`) keeps the phase, so from and to are the same, and says what changed:"
                    + " `flags: reads-new 0% -> 25%, shape old`. In --json its event is \"flags\" and detail says"
                    + " what changed; a phase change's event is \"phase\".",
            "Each change names its attempt (a migration whose start failed may be started again) and that"
                    + " attempt's file checksum."
        })
final class HistoryCommand extends TandemCommand {
    @Mixin
    ConnectionOptions connection;

    @Option(names = "--json", description = "Print JSON for scripts.")
    boolean json;

    @Override
    int execute() {
        Engine engine = Engine.create(connection.dataSource(environment()), EngineOptions.defaults());
        List<HistoryEntry> entries = engine.history();
        if (json) {
            Json.history(entries, out());
        } else if (entries.isEmpty()) {
            out().println("No history: no migration has run on this database yet.");
        } else {
            table(entries);
        }
        return 0;
    }

    private void table(List<HistoryEntry> entries) {
        int idWidth = "migration".length();
        for (HistoryEntry e : entries) {
            idWidth = Math.max(idWidth, e.migrationId().length());
        }
        String format = "%4s  %-20s  %-" + idWidth + "s  %-7s  %-11s  %-11s  %-12s  %s%n";
        out().printf(format, "#", "at", "migration", "attempt", "from", "to", "checksum", "by");
        for (HistoryEntry e : entries) {
            String by = e.actor() == null ? "" : e.actor();
            if (e.kind() == HistoryEntry.Kind.FLAGS) {
                by += " (flags: " + e.detail() + ")";
            } else if (e.forced()) {
                by += " (forced: " + e.reason() + ")";
            } else if (e.reason() != null) {
                by += " (" + e.reason() + ")";
            }
            String checksum = e.checksum() == null
                    ? "-"
                    : e.checksum().substring(0, Math.min(12, e.checksum().length()));
            out().printf(
                            format,
                            e.sequence(),
                            Human.instant(e.at()),
                            e.migrationId(),
                            e.attempt(),
                            e.from() == null ? "-" : e.from(),
                            e.to(),
                            checksum,
                            by);
        }
    }
}
