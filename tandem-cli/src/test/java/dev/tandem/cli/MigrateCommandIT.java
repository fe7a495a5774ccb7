package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem migrate <dir>} against a real PostgreSQL, as a user runs it. */
class MigrateCommandIT {
    private static final String NICKNAME = """
            service: customers
            owner: team-crm
            rationale: Nicknames for greetings
            operations:
              - add_column: { table: customers, column: { name: nickname, type: text }, up: lower(name) }
            """;
    private static final String RENAME_EMAIL = """
            service: customers
            owner: team-crm
            rationale: Email addresses are called that
            deprecations:
              - { field: customers.email, sunset: %s }
            operations:
              - rename_column: { table: customers, from: email, to: email_address }
            """;
    private static final String PHONE = """
            service: customers
            owner: team-crm
            rationale: Phone numbers for delivery
            operations:
              - add_column: { table: customers, column: { name: phone, type: text } }
            """;

    @TempDir
    Path dir;

    private EmbeddedPostgres.Database db;

    @BeforeEach
    void customers() throws SQLException {
        db = EmbeddedPostgres.newDatabase();
        sql("CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text)");
        sql("INSERT INTO customers (name, email) SELECT 'Ada ' || i, 'ada' || i || '@example.com'"
                + " FROM generate_series(1, 200) AS i");
    }

    @Test
    void shouldApplyEveryMigrationInOrderCompletingAllButTheLastThenTheLastWithComplete() throws Exception {
        write("0001_nickname", NICKNAME);
        write("0002_rename_email", RENAME_EMAIL.formatted("2020-01-01"));
        write("0003_phone", PHONE);

        CliRun run = migrate();

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(headers(run))
                .containsExactly(
                        "[1/3] 0001_nickname: start",
                        "[1/3] 0001_nickname: complete",
                        "[2/3] 0002_rename_email: start",
                        "[2/3] 0002_rename_email: complete",
                        "[3/3] 0003_phone: start");
        assertThat(run.out())
                .contains("expand", "backfill customers", "0001_nickname is COMPLETE", "0003_phone is BACKFILLED")
                .contains("SET search_path = public_0003_phone, public");
        assertThat(phases())
                .containsExactly("0001_nickname COMPLETE", "0002_rename_email COMPLETE", "0003_phone BACKFILLED");

        CliRun completing = migrate("--complete");

        assertThat(completing.exitCode()).as(completing.err()).isZero();
        assertThat(headers(completing)).containsExactly("[3/3] 0003_phone: complete");
        assertThat(phases())
                .containsExactly("0001_nickname COMPLETE", "0002_rename_email COMPLETE", "0003_phone COMPLETE");
        assertThat(query("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns"
                        + " WHERE table_schema = 'public' AND table_name = 'customers'"))
                .containsExactly("id,name,email_address,nickname,phone");
        assertThat(query("SELECT nickname FROM customers WHERE id = 7")).containsExactly("ada 7");
    }

    @Test
    void shouldDoNothingWhenRunAgainAfterEverythingIsApplied() throws Exception {
        write("0001_nickname", NICKNAME);
        write("0002_phone", PHONE);
        assertThat(migrate().exitCode()).isZero();
        List<String> history = history();

        CliRun again = migrate();

        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.out())
                .contains("Nothing to do: the database has applied every migration in " + dir)
                .contains("0002_phone is BACKFILLED, left started");
        assertThat(headers(again)).isEmpty();
        assertThat(history()).isEqualTo(history);

        assertThat(migrate("--complete").exitCode()).isZero();
        CliRun afterComplete = migrate("--complete");
        assertThat(afterComplete.exitCode()).as(afterComplete.err()).isZero();
        assertThat(afterComplete.out()).contains("Nothing to do").doesNotContain("left started");
    }

    @Test
    void shouldSayThereIsNothingToDoInAnEmptyDirectoryAndCreateNothing() throws Exception {
        CliRun run = migrate();

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Nothing to do: " + dir + " has no migration files");
        assertThat(query("SELECT to_regclass('tandem.migrations') IS NULL")).containsExactly("t");
    }

    @Test
    void shouldRefuseAChangedAppliedFileAndChangeNothing() throws Exception {
        Path nickname = write("0001_nickname", NICKNAME);
        write("0002_phone", PHONE);
        assertThat(migrate().exitCode()).isZero();
        List<String> history = history();
        Files.writeString(nickname, NICKNAME + "# edited after it was applied\n");
        write("0003_rename_email", RENAME_EMAIL.formatted("2020-01-01"));

        CliRun run = migrate();

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err())
                .contains("error [HISTORY_MISMATCH]", "nothing was changed")
                .contains(nickname + " (0001_nickname): was applied from a file with checksum");
        assertThat(headers(run)).isEmpty();
        assertThat(history()).isEqualTo(history);
        assertThat(phases()).containsExactly("0001_nickname COMPLETE", "0002_phone BACKFILLED");
    }

    @Test
    void shouldRefuseWhenAnAppliedFileIsGone() throws Exception {
        Path nickname = write("0001_nickname", NICKNAME);
        write("0002_phone", PHONE);
        assertThat(migrate("--complete").exitCode()).isZero();
        Files.delete(nickname);
        write("0003_rename_email", RENAME_EMAIL.formatted("2020-01-01"));

        CliRun run = migrate();

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err())
                .contains("error [HISTORY_MISMATCH]")
                .contains(nickname + " (0001_nickname): is COMPLETE in the database, but no file in the directory has"
                        + " this id");
        assertThat(phases()).containsExactly("0001_nickname COMPLETE", "0002_phone COMPLETE");
    }

    @Test
    void shouldRefuseANewFileThatSortsBeforeAnAppliedOne() throws Exception {
        write("0001_nickname", NICKNAME);
        write("0003_phone", PHONE);
        assertThat(migrate().exitCode()).isZero();
        Path early = write("0002_rename_email", RENAME_EMAIL.formatted("2020-01-01"));

        CliRun run = migrate("--complete");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err())
                .contains(early + " (0002_rename_email): is not applied, but sorts before "
                        + dir.resolve("0003_phone.yaml") + " (0003_phone), which the database applied");
        assertThat(phases()).containsExactly("0001_nickname COMPLETE", "0003_phone BACKFILLED");
    }

    @Test
    void shouldRefuseFilesThatSortInAnotherOrderThanTheDatabaseAppliedThemListingEachDisagreement() throws Exception {
        Path nickname = write("0001_nickname", NICKNAME);
        Path phone = write("0002_phone", PHONE);
        for (Path file : List.of(phone, nickname)) {
            assertThat(CliRun.of("start", file.toString(), "--url", db.jdbcUrl(), "--user", db.user())
                            .exitCode())
                    .isZero();
            assertThat(CliRun.of("complete", "--url", db.jdbcUrl(), "--user", db.user())
                            .exitCode())
                    .isZero();
        }
        Files.writeString(phone, PHONE + "# edited\n");

        CliRun run = migrate();

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err())
                .contains("(2 problems)")
                .contains(nickname + " (0001_nickname): sorts before " + phone
                        + " (0002_phone), but the database applied it first")
                .contains(phone + " (0002_phone): was applied from a file with checksum");
    }

    @Test
    void shouldStopAtARefusedGateSayingHowToGoOnAndGoOnWhenRunAgain() throws Exception {
        write("0001_nickname", NICKNAME);
        write("0002_rename_email", RENAME_EMAIL.formatted("2999-01-01"));
        write("0003_phone", PHONE);

        CliRun refused = migrate();

        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(headers(refused))
                .containsExactly(
                        "[1/3] 0001_nickname: start",
                        "[1/3] 0001_nickname: complete",
                        "[2/3] 0002_rename_email: start",
                        "[2/3] 0002_rename_email: complete");
        assertThat(refused.err())
                .contains("error [GATE_REFUSED]: complete of 0002_rename_email refused")
                .contains("migrate stopped at [2/3] 0002_rename_email: complete")
                .contains("Run `tandem migrate " + dir + "` again", "--force --reason TEXT");
        assertThat(phases()).containsExactly("0001_nickname COMPLETE", "0002_rename_email BACKFILLED");

        CliRun missingReason = migrate("--force");
        assertThat(missingReason.exitCode()).isEqualTo(2);
        assertThat(missingReason.err()).contains("--force needs --reason");

        CliRun forced = migrate("--force", "--reason", "sunset moved by CAB-7");

        assertThat(forced.exitCode()).as(forced.err()).isZero();
        assertThat(headers(forced)).containsExactly("[2/3] 0002_rename_email: complete", "[3/3] 0003_phone: start");
        assertThat(phases())
                .containsExactly("0001_nickname COMPLETE", "0002_rename_email COMPLETE", "0003_phone BACKFILLED");
        assertThat(query("SELECT migration_id || ' ' || to_phase || ' ' || reason FROM tandem.history WHERE forced"))
                .containsExactly("0002_rename_email COMPLETE sunset moved by CAB-7");
    }

    @Test
    void shouldCompleteAMigrationLeftStartedBeforeStartingTheNext() throws Exception {
        Path nickname = write("0001_nickname", NICKNAME);
        // As a migrate that was killed between the start of 0001 and its complete leaves it.
        assertThat(CliRun.of("start", nickname.toString(), "--url", db.jdbcUrl(), "--user", db.user())
                        .exitCode())
                .isZero();
        write("0002_phone", PHONE);

        CliRun run = migrate();

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(headers(run)).containsExactly("[1/2] 0001_nickname: complete", "[2/2] 0002_phone: start");
        assertThat(run.out()).containsPattern("0001_nickname +BACKFILLED: complete");
        assertThat(phases()).containsExactly("0001_nickname COMPLETE", "0002_phone BACKFILLED");
    }

    @Test
    void shouldGoOnFromAFailedStartOnceItsCauseIsFixed() throws Exception {
        write("0001_nickname", NICKNAME);
        write("0002_phone", """
                service: customers
                owner: team-crm
                rationale: Phone numbers, normalised
                operations:
                  - add_column: { table: customers, column: { name: phone, type: text } }
                  - sql: { up: "SELECT normalise_phones()", down: "SELECT 1" }
                """);
        write("0003_rename_email", RENAME_EMAIL.formatted("2020-01-01"));

        CliRun failed = migrate();

        assertThat(failed.exitCode()).isEqualTo(3);
        assertThat(failed.err())
                .contains("migrate stopped at [2/3] 0002_phone: start")
                .doesNotContain("--force");
        assertThat(phases()).containsExactly("0001_nickname COMPLETE", "0002_phone ROLLED_BACK");

        sql("CREATE FUNCTION normalise_phones() RETURNS int LANGUAGE sql AS 'SELECT 1'");
        CliRun again = migrate();

        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(headers(again))
                .containsExactly(
                        "[2/3] 0002_phone: start", "[2/3] 0002_phone: complete", "[3/3] 0003_rename_email: start");
        assertThat(phases())
                .containsExactly("0001_nickname COMPLETE", "0002_phone COMPLETE", "0003_rename_email BACKFILLED");
    }

    @Test
    void shouldRefuseEverythingBeforeAnyChangeWhenAFileIsInvalid() throws Exception {
        write("0001_nickname", NICKNAME);
        Path bad = write("0002_phone", """
                service: customers
                rationale: no owner, and an operation tandem does not know
                operations:
                  - add_colum: { table: customers, column: { name: phone, type: text } }
                """);

        CliRun run = migrate();

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("SPEC_INVALID", bad.toString());
        assertThat(headers(run)).isEmpty();
        assertThat(query("SELECT to_regclass('tandem.migrations') IS NULL")).containsExactly("t");
    }

    @Test
    void shouldRefuseEverythingBeforeAnyChangeWhenAFileHasLintErrors() throws Exception {
        write("0001_nickname", NICKNAME);
        write("0002_drop_email", """
                service: customers
                owner: team-crm
                rationale: Nobody reads email
                operations:
                  - drop_column: { table: customers, column: email, down: "null" }
                """);

        CliRun run = migrate();

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).contains("error [deprecation-required]");
        assertThat(run.err()).contains("error [LINT_FAILED]: refusing to migrate", "nothing was changed");
        assertThat(headers(run)).isEmpty();
        assertThat(query("SELECT to_regclass('tandem.migrations') IS NULL")).containsExactly("t");
    }

    @Test
    void shouldExitWithUsageForAFileInsteadOfADirectory() throws Exception {
        Path file = write("0001_nickname", NICKNAME);

        CliRun run = CliRun.of("migrate", file.toString(), "--url", db.jdbcUrl(), "--user", db.user());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("is not a directory", "`tandem start " + file + "` starts one file");
    }

    @Test
    void shouldBeListedInTheHelpWithWhatItRefuses() {
        assertThat(CliRun.of("--help").out()).contains("migrate");
        assertThat(CliRun.of("migrate", "--help").out().replaceAll("\\s+", " "))
                .contains("completed before the next is started", "--complete", "--force", "--max-rows-per-second")
                .contains("an applied file changed or is gone");
    }

    private CliRun migrate(String... options) {
        List<String> args =
                new ArrayList<>(List.of("migrate", dir.toString(), "--url", db.jdbcUrl(), "--user", db.user()));
        args.addAll(List.of(options));
        return CliRun.of(args.toArray(String[]::new));
    }

    /** The {@code [i/n] id: action} lines, in order. */
    private static List<String> headers(CliRun run) {
        return run.out()
                .lines()
                .filter(line -> line.matches("\\[\\d+/\\d+] .*"))
                .toList();
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name + ".yaml"), text);
    }

    private List<String> phases() throws SQLException {
        return query("SELECT id || ' ' || phase FROM tandem.migrations ORDER BY seq");
    }

    private List<String> history() throws SQLException {
        return query("SELECT seq || ' ' || migration_id || ' ' || to_phase FROM tandem.history ORDER BY seq");
    }

    private void sql(String sql) throws SQLException {
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private List<String> query(String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
