package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.LintFinding;
import dev.tandem.core.Severity;
import dev.tandem.core.SourceLocation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LintCommandTest {
    private static final String CLEAN = """
            service: customers
            owner: team-crm
            rationale: Customers get a nickname
            operations:
              - add_column:
                  table: customers
                  column: { name: nickname, type: text }
            """;

    /** Drops a column without a deprecation (an error) and runs raw SQL without a down (an error). */
    private static final String UNSAFE = """
            service: customers
            owner: team-crm
            rationale: Tidy up
            operations:
              - drop_column: { table: customers, column: fax, down: "null" }
              - sql: { up: "UPDATE customers SET nickname = name" }
            """;

    @TempDir
    Path dir;

    @Test
    void shouldFormatAFindingAsEditorsExpect() {
        LintFinding finding = new LintFinding(
                Severity.ERROR,
                "deprecation-required",
                new SourceLocation("m/0002_drop_fax.yaml", 7, 5),
                "customers.fax is dropped without a deprecation");

        assertThat(LintCommand.format(finding))
                .isEqualTo("m/0002_drop_fax.yaml:7:5: error [deprecation-required]"
                        + " customers.fax is dropped without a deprecation");
    }

    @Test
    void shouldExit0AndPrintNothingOnStandardOutputForACleanFile() throws IOException {
        Path file = write("0001_add_nickname.yaml", CLEAN);

        CliRun run = CliRun.of("lint", file.toString());

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("1 migration, no findings");
    }

    @Test
    void shouldExit1AndPrintEveryFindingWithItsPlaceWhenAnErrorIsFound() throws IOException {
        Path file = write("0002_drop_fax.yaml", UNSAFE);

        CliRun run = CliRun.of("lint", file.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out().lines())
                .isNotEmpty()
                .allMatch(line -> line.matches("\\Q" + file + "\\E:\\d+:\\d+: (error|warning) \\[[a-z-]+] .+"));
        assertThat(run.out()).contains("error [deprecation-required]", "error [sql-without-down]");
        assertThat(run.err()).containsPattern("1 migration, \\d+ errors");
    }

    @Test
    void shouldLintEveryFileOfADirectory() throws IOException {
        write("0001_add_nickname.yaml", CLEAN);
        write("0002_drop_fax.yaml", UNSAFE);

        CliRun run = CliRun.of("lint", dir.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).contains("0002_drop_fax.yaml:").doesNotContain("0001_add_nickname.yaml:");
        assertThat(run.err()).contains("2 migrations");
    }

    @Test
    void shouldExit2AndNameEachProblemWhenAFileIsMalformed() throws IOException {
        Path file = write("0003_broken.yaml", "service: customers\noperations:\n  - add_colum: { table: t }\n");

        CliRun run = CliRun.of("lint", file.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("error [SPEC_INVALID]");
        assertThat(run.err().lines().filter(line -> line.startsWith("  " + file + ":")))
                .hasSizeGreaterThan(1);
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }
}
