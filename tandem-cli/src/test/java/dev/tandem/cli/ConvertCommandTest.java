package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConvertCommandTest {
    private static final String CREATE_USERS = """
            {
              "name": "01_create_users",
              "operations": [
                {"create_table": {"name": "users", "columns": [
                  {"name": "id", "type": "bigserial", "pk": true},
                  {"name": "email", "type": "text", "unique": true}
                ]}}
              ]
            }
            """;

    private static final String RENAME_EMAIL = """
            operations:
              - rename_column: { table: users, from: email, to: email_address }
            """;

    /** A check pgroll makes NO INHERIT: tandem will not carry that. */
    private static final String NO_INHERIT = """
            operations:
              - alter_column:
                  table: users
                  column: email
                  check: { name: email_has_at, constraint: "email LIKE '%@%'", no_inherit: true }
                  up: email
                  down: email
            """;

    @TempDir
    Path dir;

    @Test
    void shouldWriteOneTandemFilePerPgrollFileAndExit0WhenEachLintsClean() throws IOException {
        Path pgroll = Files.createDirectories(dir.resolve("pgroll"));
        Files.writeString(pgroll.resolve("01_create_users.json"), CREATE_USERS);
        Files.writeString(pgroll.resolve("02_Rename-Email.yaml"), RENAME_EMAIL);
        Path out = dir.resolve("tandem");

        CliRun run = convert(pgroll.toString(), "--out", out.toString(), "--sunset", "2027-03-01");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(out.resolve("01_create_users.yaml")).exists();
        assertThat(out.resolve("02_rename_email.yaml")).content().contains("""
                deprecations:
                  - field: users.email
                    sunset: 2027-03-01
                """);
        assertThat(run.out())
                .contains(pgroll.resolve("01_create_users.json") + " -> " + out.resolve("01_create_users.yaml")
                        + " (lint clean)")
                .contains(pgroll.resolve("02_Rename-Email.yaml") + ":1:1: changed: the file's name '02_Rename-Email'"
                        + " is not a tandem id");
        assertThat(run.err())
                .contains("convert: 2 files written to " + out + " (deprecations' sunset 2027-03-01);"
                        + " none needs a human");
        assertThat(CliRun.of("lint", out.toString()).exitCode()).isZero();
    }

    @Test
    void shouldExit1AndSayWhatWasLeftOutWithTheLineAndColumnOfThePgrollFile() throws IOException {
        Path file = Files.writeString(dir.resolve("03_email_check.yaml"), NO_INHERIT);

        CliRun run = convert(file.toString(), "--out", dir.resolve("out").toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out())
                .contains(file + " -> " + dir.resolve("out/03_email_check.yaml") + " (needs a human: 1 not carried")
                .contains("  " + file + ":5:68: not carried: left out 'no_inherit' of check: tandem creates checks"
                        + " that child tables inherit");
        assertThat(run.err()).contains("1 needs a human");
    }

    @Test
    void shouldExit2AndWriteNothingWhenAFileIsNoPgrollMigration() throws IOException {
        Path pgroll = Files.createDirectories(dir.resolve("pgroll"));
        Files.writeString(pgroll.resolve("01_create_users.json"), CREATE_USERS);
        Path broken = Files.writeString(
                pgroll.resolve("02_view.yaml"), "operations:\n  - create_view: { name: v, query: select 1 }\n");
        Path out = dir.resolve("out");

        CliRun run = convert(pgroll.toString(), "--out", out.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err())
                .startsWith("error [SPEC_INVALID]")
                .contains(broken + ":2:5: unknown pgroll operation 'create_view'");
        assertThat(out).doesNotExist();
    }

    @Test
    void shouldExit2WithAClearMessageOnBadUsage() throws IOException {
        Path file = Files.writeString(dir.resolve("m.yaml"), RENAME_EMAIL);

        CliRun noOwner = CliRun.of("convert", "--from", "pgroll", file.toString(), "--service", "accounts");
        CliRun badDate = convert(file.toString(), "--sunset", "1 March");
        CliRun otherTool = CliRun.of(
                "convert", "--from", "flyway", file.toString(), "--service", "accounts", "--owner", "team-id");

        assertThat(noOwner.exitCode()).isEqualTo(2);
        assertThat(noOwner.err()).contains("Missing required option: '--owner=O'");
        assertThat(badDate.exitCode()).isEqualTo(2);
        assertThat(badDate.err()).contains("'1 March' is not a date: write YYYY-MM-DD, such as 2027-03-01");
        assertThat(otherTool.exitCode()).isEqualTo(2);
        assertThat(otherTool.err()).contains("--from", "flyway", "pgroll");
    }

    @Test
    void shouldBeListedInTheHelpWithItsDefaults() {
        assertThat(CliRun.of("--help").out()).contains("convert");
        assertThat(CliRun.of("convert", "--help").out().replaceAll("\\s+", " "))
                .contains("(default: converted, in the current directory)")
                .contains("(default: 30 days from today)");
    }

    private static CliRun convert(String... args) {
        String[] all = new String[args.length + 7];
        all[0] = "convert";
        all[1] = "--from";
        all[2] = "pgroll";
        System.arraycopy(args, 0, all, 3, args.length);
        all[args.length + 3] = "--service";
        all[args.length + 4] = "accounts";
        all[args.length + 5] = "--owner";
        all[args.length + 6] = "team-id";
        return CliRun.of(all);
    }
}
