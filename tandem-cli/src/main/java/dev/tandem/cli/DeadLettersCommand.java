package dev.tandem.cli;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import dev.tandem.relay.DeadLetters;
import java.sql.SQLException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "dead-letters",
        description = {
            "List the changes the relay parked after their attempts, with their cause; or replay them.",
            "A dead letter is superseded when a newer change of its key is applied, and says so. --replay puts the"
                    + " open ones (or the one of KEY, as listed) back in the outbox; a replay never overwrites a newer"
                    + " change."
        })
final class DeadLettersCommand extends TandemCommand {
    @Mixin
    ConnectionOptions connection;

    @Option(
            names = "--replay",
            arity = "0..1",
            paramLabel = "KEY",
            fallbackValue = "",
            description = "Replay the" + " open dead letters, or only those of KEY (such as \"(42)\").")
    String replay;

    @Override
    int execute() {
        try {
            if (replay != null) {
                int n = DeadLetters.replay(connection.dataSource(environment()), replay.isEmpty() ? null : replay);
                out().println(n + (n == 1 ? " dead letter" : " dead letters")
                        + " put back in the outbox; a running relay delivers them");
                return 0;
            }
            List<DeadLetters.DeadLetter> all = DeadLetters.list(connection.dataSource(environment()));
            if (all.isEmpty()) {
                out().println("No dead letters.");
                return 0;
            }
            out().printf(
                            "%-6s %-28s %-14s %-3s %-10s %-8s %-22s %s%n",
                            "#", "move", "key", "op", "version", "attempts", "state", "cause");
            for (DeadLetters.DeadLetter d : all) {
                String state = d.supersededBy() != null
                        ? "superseded by " + d.supersededBy()
                        : d.replayedAt() != null ? "replayed" : "open";
                out().printf(
                                "%-6d %-28s %-14s %-3s %-10d %-8d %-22s %s%n",
                                d.id(), d.migrationId(), d.key(), d.op(), d.version(), d.attempts(), state, d.cause());
            }
            return 0;
        } catch (SQLException e) {
            throw new TandemException(ErrorCode.DATABASE_ERROR, "dead letters: " + e.getMessage(), e);
        }
    }
}
