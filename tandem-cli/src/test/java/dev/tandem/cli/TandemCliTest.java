package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** The command line as a user meets it, without a database. */
class TandemCliTest {

    @Test
    void shouldExitWithUsageWhenNoCommandIsGiven() {
        CliRun run = CliRun.of();

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Missing command").contains("Usage: tandem");
    }

    @Test
    void shouldExitWithUsageOnAnUnknownOption() {
        CliRun run = CliRun.of("status", "--colour");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Unknown option: '--colour'");
    }

    @Test
    void shouldListEveryCommandAndTheExitCodesInItsHelp() {
        CliRun run = CliRun.of("--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out())
                .contains("lint", "plan", "start", "backfill", "status", "cutover", "revert", "complete")
                .contains("rollback", "history", "flag", "demo")
                .contains("Exit codes:", "3   database or connection failure");
    }

    @Test
    void shouldDescribeCompleteByTheGateItEnforcesAndNoOther() {
        String help = CliRun.of("complete", "--help").out().replaceAll("\\s+", " ");

        assertThat(help)
                .contains("until the backfill is done, every deprecated field's sunset date has passed")
                .contains("no client that embeds tandem-client has been seen on the old shape")
                .contains("for the soak time (--soak)")
                .contains("--force --reason passes the sunset and client gates (not the backfill)")
                .contains("Clients that send no heartbeat are not seen");
    }

    @Test
    void shouldSayHowCutoverAndRevertHandAMovedTableOver() {
        String cutover = CliRun.of("cutover", "--help").out().replaceAll("\\s+", " ");
        assertThat(cutover)
                .contains("Make the new side authoritative")
                .contains("write-blocking lock on the source")
                .contains("relay drained to zero")
                .contains("nothing is written to both sides");
        String revert = CliRun.of("revert", "--help").out().replaceAll("\\s+", " ");
        assertThat(revert).contains("Make the old side authoritative again").contains("same fence as cutover");
    }

    @Test
    void shouldReadEveryStartOption() {
        CommandLine commandLine = new CommandLine(new TandemCli(Map.of()));
        ParseResult parsed = commandLine.parseArgs(
                "start",
                "m.yaml",
                "--url",
                "postgres://u:p@db:5432/app",
                "--lock-timeout",
                "2s",
                "--batch-ms",
                "250",
                "--max-rows-per-second",
                "5000",
                "--no-backfill");

        StartCommand start = (StartCommand) parsed.subcommand().commandSpec().userObject();
        assertThat(start.file).hasToString("m.yaml");
        assertThat(start.connection.url).isEqualTo("postgres://u:p@db:5432/app");
        assertThat(start.backfill.lockTimeout).isEqualTo(Duration.ofSeconds(2));
        assertThat(start.backfill.batchMillis).isEqualTo(250);
        assertThat(start.backfill.maxRowsPerSecond).isEqualTo(5000);
        assertThat(start.noBackfill).isTrue();
    }

    @Test
    void shouldDefaultStartToASafeLockTimeoutAndABackfill() {
        ParseResult parsed = new CommandLine(new TandemCli(Map.of())).parseArgs("start", "m.yaml");

        StartCommand start = (StartCommand) parsed.subcommand().commandSpec().userObject();
        assertThat(start.backfill.lockTimeout).isEqualTo(Duration.ofMillis(500));
        assertThat(start.backfill.batchMillis).isEqualTo(100);
        assertThat(start.backfill.maxRowsPerSecond).isZero();
        assertThat(start.noBackfill).isFalse();
    }

    @Test
    void shouldReadTheTransitionOptions() {
        ParseResult parsed = new CommandLine(new TandemCli(Map.of()))
                .parseArgs("complete", "--force", "--reason", "soak waived by CAB-12", "--migration", "0001_x");

        TransitionCommand complete =
                (TransitionCommand) parsed.subcommand().commandSpec().userObject();
        assertThat(complete).isInstanceOf(TransitionCommand.Complete.class);
        assertThat(complete.force).isTrue();
        assertThat(complete.reason).isEqualTo("soak waived by CAB-12");
        assertThat(complete.migrationId).isEqualTo("0001_x");
    }

    @Test
    void shouldRefuseADurationWithoutAUnit() {
        CliRun run = CliRun.of("start", "m.yaml", "--lock-timeout", "500");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("'500' has no unit: write 500ms or 500s");
    }

    @Test
    void shouldRefuseResumeAndPauseTogether() {
        CliRun run = CliRun.of("backfill", "--url", "postgres://h/db", "--resume", "--pause");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("mutually exclusive");
    }

    @Test
    void shouldRefuseForceWithoutAReasonBeforeConnecting() {
        CliRun run = CliRun.of("complete", "--url", "postgres://u:p@127.0.0.1:1/db", "--force");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--force needs --reason");
    }

    @Test
    void shouldAskForAUrlWhenThereIsNone() {
        CliRun run = CliRun.withEnvironment(Map.of(), "status");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("error [USAGE]: no database URL: pass --url or set TANDEM_URL");
    }

    @Test
    void shouldTakeTheUrlFromTandemUrl() {
        CliRun run = CliRun.withEnvironment(Map.of("TANDEM_URL", "mysql://db/app"), "status");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("must start with jdbc:postgresql:// or postgres://, got: mysql://db/app");
    }

    @Test
    void shouldPreferTheUrlOptionToTandemUrl() {
        ConnectionOptions options = new ConnectionOptions();
        options.url = "postgres://option/db";

        assertThat(options.url(Map.of("TANDEM_URL", "postgres://env/db"))).isEqualTo("postgres://option/db");
        assertThat(new ConnectionOptions().url(Map.of("TANDEM_URL", "postgres://env/db")))
                .isEqualTo("postgres://env/db");
    }

    @Test
    void shouldExitWith3WhenTheDatabaseCannotBeReached() {
        CliRun run = CliRun.of("status", "--url", "postgres://u:secret@127.0.0.1:1/db");

        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.err()).startsWith("error").doesNotContain("\tat ").doesNotContain("secret");
    }

    @Test
    void shouldPrintEveryProblemOfARefusedFileExactlyOnceWithItsLocation(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("0001_bad.yaml"), """
                service: customers
                rationale: two mistakes
                operations:
                  - add_column: { tabel: customers, column: { name: a, type: text } }
                """);

        CliRun run = CliRun.of("plan", file.toString(), "--url", "postgres://u:p@127.0.0.1:1/db");

        assertThat(run.exitCode()).isEqualTo(2);
        List<String> problems = run.err()
                .lines()
                .filter(line -> line.matches("\\s*" + Pattern.quote(file.toString()) + ":\\d+:\\d+: .*"))
                .toList();
        assertThat(problems).as(run.err()).hasSizeGreaterThanOrEqualTo(2).doesNotHaveDuplicates();
    }

    @Test
    void shouldExitWith2WhenTheMigrationFileIsMissing() {
        CliRun run = CliRun.of("plan", "no/such/file.yaml", "--url", "postgres://u:p@127.0.0.1:1/db");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("no/such/file.yaml").contains("no such file");
    }
}
