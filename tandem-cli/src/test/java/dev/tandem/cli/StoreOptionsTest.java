package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.MigrationFiles;
import dev.tandem.core.TandemException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** {@code --store NAME=URL} and {@code TANDEM_STORE_<NAME>_URL}, read as a user writes them, without a database. */
class StoreOptionsTest {
    static StoreOptions parse(String... args) {
        ParseResult parsed = new CommandLine(new TandemCli(Map.of())).parseArgs(args);
        Object command = parsed.subcommand().commandSpec().userObject();
        return command instanceof StartCommand start ? start.stores : ((PlanCommand) command).stores;
    }

    static final String MOVES = """
            id: 0007_move
            service: orders
            owner: team-orders
            rationale: billing owns invoices now
            operations:
              - move_table:
                  table: orders
                  key: [id]
                  to: { store: billing, table: invoices }
                  columns: { id: id }
              - move_table:
                  table: refunds
                  key: [id]
                  to: { store: billing_eu, table: refunds }
                  columns: { id: id }
            """;

    @Test
    void shouldReadEveryStoreFlagOfStartAndPlan() {
        StoreOptions start = parse(
                "start",
                "m.yaml",
                "--store",
                "billing=postgres://u:p@billing-db:5433/billing",
                "--store=billing_eu=jdbc:postgresql://eu-db/billing?sslmode=require");
        StoreOptions plan = parse("plan", "m.yaml", "--store", "billing=postgresql://billing-db/billing");

        assertThat(start.urls(Map.of()))
                .containsExactly(
                        Map.entry("billing", "postgres://u:p@billing-db:5433/billing"),
                        Map.entry("billing_eu", "jdbc:postgresql://eu-db/billing?sslmode=require"));
        assertThat(plan.urls(Map.of())).containsOnlyKeys("billing");
    }

    @Test
    void shouldTurnEachUrlFormIntoAConnectionToItsStore() {
        StoreOptions options = parse(
                "start",
                "m.yaml",
                "--store",
                "billing=postgres://bill:s%40cret@billing-db:5433/billing",
                "--store",
                "billing_eu=jdbc:postgresql://eu-db/billing?sslmode=require");

        var stores = options.dataSources(Map.of());

        PGSimpleDataSource billing = (PGSimpleDataSource) stores.get("billing");
        assertThat(billing.getServerNames()).containsExactly("billing-db");
        assertThat(billing.getPortNumbers()).containsExactly(5433);
        assertThat(billing.getDatabaseName()).isEqualTo("billing");
        assertThat(billing.getUser()).isEqualTo("bill");
        assertThat(billing.getPassword()).isEqualTo("s@cret");
        PGSimpleDataSource eu = (PGSimpleDataSource) stores.get("billing_eu");
        assertThat(eu.getServerNames()).containsExactly("eu-db");
        assertThat(eu.getDatabaseName()).isEqualTo("billing");
        assertThat(eu.getSslMode()).isEqualTo("require");
    }

    @Test
    void shouldTakeStoresFromTheEnvironmentUnlessAFlagNamesThem() {
        StoreOptions options = parse("start", "m.yaml", "--store", "billing=postgres://flag/billing");
        Map<String, String> environment = Map.of(
                "TANDEM_STORE_BILLING_URL", "postgres://env/billing",
                "TANDEM_STORE_BILLING_EU_URL", "postgres://env/billing_eu",
                "TANDEM_STORE_URL", "postgres://no-name/db",
                "TANDEM_STORE_Bad-Name_URL", "postgres://bad/db",
                "TANDEM_URL", "postgres://source/db");

        assertThat(options.urls(environment))
                .containsExactly(
                        Map.entry("billing", "postgres://flag/billing"),
                        Map.entry("billing_eu", "postgres://env/billing_eu"));
    }

    @Test
    void shouldRefuseAFlagThatIsNotNameEqualsUrl() {
        assertUsage(
                parse("start", "m.yaml", "--store", "billing"),
                "--store billing has no URL; write --store"
                        + " NAME=URL, such as --store billing=postgres://user:pass@host:5432/billing");
        assertUsage(parse("start", "m.yaml", "--store", "billing="), "--store billing= has no URL");
        assertUsage(
                parse("start", "m.yaml", "--store", "Billing=postgres://h/db"),
                "--store Billing=...: a store name must match [a-z][a-z0-9_]*");
        assertUsage(
                parse("start", "m.yaml", "--store", "billing=postgres://a/db", "--store", "billing=postgres://b/db"),
                "--store billing is given twice; give each store once");
    }

    @Test
    void shouldNameTheStoreOfAUrlThatIsNotOne() {
        StoreOptions options = parse("start", "m.yaml", "--store", "billing=mysql://h/db");

        assertThatThrownBy(() -> options.dataSources(Map.of())).isInstanceOfSatisfying(TandemException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.USAGE);
            assertThat(e.getMessage())
                    .isEqualTo("store billing: database URL must start with jdbc:postgresql:// or"
                            + " postgres://, got: mysql://h/db");
        });
    }

    @Test
    void shouldNameTheFlagAndTheVariableOfEveryStoreAFileNeedsAndNoOneGave() {
        StoreOptions options = parse("plan", "m.yaml", "--store", "archive=postgres://h/archive");

        assertThatThrownBy(() -> options.dataSourcesFor(MigrationFiles.parse("0007_move.yaml", MOVES), Map.of()))
                .isInstanceOfSatisfying(TandemException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.USAGE);
                    assertThat(e.getMessage().lines().toList())
                            .containsExactly(
                                    "move_table at 0007_move.yaml:6:5 moves orders to store billing, which has no URL:"
                                            + " pass --store billing=URL or set TANDEM_STORE_BILLING_URL",
                                    "move_table at 0007_move.yaml:11:5 moves refunds to store billing_eu, which has no"
                                            + " URL: pass --store billing_eu=URL or set TANDEM_STORE_BILLING_EU_URL");
                });
    }

    @Test
    void shouldGiveTheStoresAFileNeeds() {
        StoreOptions options = parse("plan", "m.yaml", "--store", "billing=postgres://h/billing");

        var stores = options.dataSourcesFor(
                MigrationFiles.parse("0007_move.yaml", MOVES),
                Map.of(
                        "TANDEM_STORE_BILLING_EU_URL",
                        "postgres://h/billing_eu",
                        "TANDEM_STORE_X_URL",
                        "postgres://x/x"));

        assertThat(stores).containsOnlyKeys("billing", "billing_eu");
    }

    @Test
    void shouldExitWith2AndNameTheFlagWhenAStoreIsMissing(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("0007_move.yaml"), MOVES);

        for (String command : List.of("plan", "start")) {
            CliRun run = CliRun.withEnvironment(
                    Map.of("TANDEM_STORE_BILLING_URL", "postgres://h/billing"),
                    command,
                    file.toString(),
                    "--url",
                    "postgres://u:p@127.0.0.1:1/orders");

            assertThat(run.exitCode()).as(command).isEqualTo(2);
            assertThat(run.err())
                    .as(command)
                    .contains("error [USAGE]: move_table at " + file + ":11:5 moves refunds to store billing_eu,"
                            + " which has no URL: pass --store billing_eu=URL or set TANDEM_STORE_BILLING_EU_URL")
                    .doesNotContain("store billing,");
        }
    }

    private static void assertUsage(StoreOptions options, String message) {
        assertThatThrownBy(() -> options.urls(Map.of())).isInstanceOfSatisfying(TandemException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.USAGE);
            assertThat(e.getMessage()).startsWith(message);
        });
    }
}
