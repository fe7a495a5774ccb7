package dev.tandem.cli;

import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.postgres.FlagChange;
import dev.tandem.postgres.FlagRequest;
import dev.tandem.postgres.Shape;
import javax.sql.DataSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "flag",
        description = {
            "Set a migration's runtime flags; services that embed tandem-client follow within a second.",
            "--reads-new sends that share of routing keys (by a stable hash, so a key always reads one side) to"
                    + " the new side; --shape puts every client of a migration within one store on the old or"
                    + " the new shape. Both are bounded by the phase: reads move to the new side only from"
                    + " BACKFILLED on, and a COMPLETE or ROLLED_BACK migration has no flags. A migration that"
                    + " moves a table has no shape: its reads move with --reads-new.",
            "Writes are not a flag: they move only with `tandem cutover`, which fences them.",
            "Each change is recorded in the history (`tandem history`) with who made it, and announced on"
                    + " the tandem_state channel. A refused change (exit 1) says why and changes nothing."
        })
final class FlagCommand extends TandemCommand {
    @Mixin
    ConnectionOptions connection;

    @Mixin
    StoreOptions stores;

    @Option(names = "--migration", paramLabel = "ID", description = "The migration; default: the active one.")
    String migrationId;

    @Option(
            names = "--reads-new",
            paramLabel = "PERCENT",
            converter = PercentConverter.class,
            description = "The share of routing keys whose reads go to the new side: 0 to 100, as 25 or 25%%.")
    Integer readsNew;

    @Option(
            names = "--shape",
            paramLabel = "old|new",
            converter = ShapeConverter.class,
            description = "The shape every client of an in-store migration uses.")
    Shape shape;

    /** Not a flag: named so that asking for it explains where writes move instead. */
    @Option(
            names = {"--writes", "--writes-new"},
            hidden = true,
            arity = "0..1",
            paramLabel = "SIDE")
    String writes;

    @Option(names = "--json", description = "Print the flags as JSON for scripts.")
    boolean json;

    @Override
    int execute() {
        if (writes != null) {
            throw usage("writes are not a flag: they move to the new side only with `tandem cutover`, which"
                    + " fences them so that no write goes to both sides, and back with `tandem revert`");
        }
        if (readsNew == null && shape == null) {
            throw usage("nothing to set: give --reads-new PERCENT (0 to 100) and/or --shape old|new."
                    + " `tandem status` shows the flags as they are");
        }
        FlagRequest request = new FlagRequest(migrationId, readsNew, shape);
        DataSource source = connection.dataSource(environment());
        // The hook says whether a move whose copy is done is caught up, which reads to the new side need.
        Engine engine = Engine.create(
                source,
                EngineOptions.builder()
                        .hook(dev.tandem.relay.MoveHook.builder(source)
                                .stores(stores.dataSources(environment()))
                                .build())
                        .build());
        FlagChange change = engine.flag(request);
        if (json) {
            Json.flags(change, out());
        } else if (change.changed()) {
            out().println(change.after().migrationId() + " (" + change.phase() + "): " + change.describe()
                    + ". Announced to clients; `tandem status` shows which side each uses.");
        } else {
            out().println(change.after().migrationId() + " (" + change.phase() + ") already has "
                    + change.after().describe() + "; nothing changed.");
        }
        return 0;
    }

    /** {@code old} or {@code new}, as {@link Shape#parse} reads them. */
    static final class ShapeConverter implements picocli.CommandLine.ITypeConverter<Shape> {
        @Override
        public Shape convert(String value) {
            try {
                return Shape.parse(value);
            } catch (dev.tandem.core.TandemException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
