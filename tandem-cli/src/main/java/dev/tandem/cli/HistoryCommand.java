package dev.tandem.cli;

import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.postgres.HistoryEntry;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "history", description = "Show every recorded phase change in this database, oldest first.")
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
        String format = "%4s  %-20s  %-" + idWidth + "s  %-11s  %-11s  %s%n";
        out().printf(format, "#", "at", "migration", "from", "to", "by");
        for (HistoryEntry e : entries) {
            String by = e.actor() == null ? "" : e.actor();
            if (e.forced()) {
                by += " (forced: " + e.reason() + ")";
            }
            out().printf(format, e.sequence(), e.at(), e.migrationId(), e.from() == null ? "-" : e.from(), e.to(), by);
        }
    }
}
