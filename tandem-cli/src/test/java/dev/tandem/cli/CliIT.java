package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.testkit.EmbeddedPostgres;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The commands against a real PostgreSQL, as a user runs them. */
class CliIT {
    private static final String MIGRATION = """
            id: 0001_split_customer_name
            service: customers
            owner: team-crm
            rationale: Names are split for localised greetings
            deprecations:
              - { field: customers.name, sunset: %s }
              - { field: customers.email, sunset: %s }
            operations:
              - add_column:
                  table: customers
                  column: { name: first_name, type: text }
                  up: split_part(name, ' ', 1)
              - add_column:
                  table: customers
                  column: { name: last_name, type: text }
                  up: substr(name, length(split_part(name, ' ', 1)) + 2)
              - drop_column: { table: customers, column: name, down: "concat_ws(' ', first_name, last_name)" }
              - rename_column: { table: customers, from: email, to: email_address }
            """;

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private EmbeddedPostgres.Database db;

    @BeforeEach
    void customers() throws SQLException {
        db = EmbeddedPostgres.newDatabase();
        sql("CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text)");
        sql("INSERT INTO customers (name, email) SELECT 'Ada Lovelace ' || i, 'ada' || i || '@example.com'"
                + " FROM generate_series(1, 5000) AS i");
    }

    @Test
    void shouldTakeAMigrationFromLintToComplete() throws Exception {
        Path file = migration("2020-01-01");

        assertThat(tandem("lint", file.toString()).exitCode()).isZero();

        Run plan = tandem("plan", file.toString(), "--url", db.jdbcUrl(), "--user", db.user());
        assertThat(plan.exitCode()).as(plan.err()).isZero();
        assertThat(plan.out()).contains("EXPAND", "lock:", "estimate:", "ALTER TABLE", "ROLLBACK");
        assertThat(query("SELECT count(*) FROM pg_namespace WHERE nspname = 'public_0001_split_customer_name'"))
                .as("plan changes nothing")
                .containsExactly("0");

        Run start = tandem("start", file.toString(), "--url", db.jdbcUrl(), "--user", db.user());
        assertThat(start.exitCode()).as(start.err()).isZero();
        assertThat(start.out()).contains("backfill customers", "BACKFILLED");

        Run status = tandem("status", "--json", "--url", db.jdbcUrl(), "--user", db.user());
        assertThat(status.exitCode()).as(status.err()).isZero();
        JsonNode json = JSON.readTree(status.out());
        assertThat(json.get("id").asText()).isEqualTo("0001_split_customer_name");
        assertThat(json.get("phase").asText()).isEqualTo("BACKFILLED");
        assertThat(json.get("active").asBoolean()).isTrue();
        assertThat(json.get("versionSchema").asText()).isEqualTo("public_0001_split_customer_name");
        assertThat(json.at("/backfill/state").asText()).isEqualTo("DONE");

        Run complete = tandem("complete", "--url", db.jdbcUrl(), "--user", db.user());
        assertThat(complete.exitCode()).as(complete.err()).isZero();
        assertThat(complete.out()).contains("0001_split_customer_name is COMPLETE");
        assertThat(query("SELECT first_name || '|' || last_name || '|' || email_address FROM customers WHERE id = 7"))
                .containsExactly("Ada|Lovelace 7|ada7@example.com");

        Run history = tandem("history", "--url", db.jdbcUrl(), "--user", db.user());
        assertThat(history.exitCode()).as(history.err()).isZero();
        assertThat(history.out()).contains("0001_split_customer_name", "EXPANDED", "COMPLETE");
        JsonNode entries = JSON.readTree(tandem("history", "--json", "--url", db.jdbcUrl(), "--user", db.user())
                .out());
        assertThat(entries.isArray()).isTrue();
        assertThat(entries.get(entries.size() - 1).get("to").asText()).isEqualTo("COMPLETE");

        Run after = tandem("status", "--url", db.jdbcUrl(), "--user", db.user());
        assertThat(after.out()).contains("No active migration").contains("COMPLETE");
    }

    @Test
    void shouldRefuseToStartAFileWithLintErrorsAndChangeNothing() throws Exception {
        Path file = Files.writeString(dir.resolve("0002_drop_email.yaml"), """
                service: customers
                owner: team-crm
                rationale: Nobody reads email
                operations:
                  - drop_column: { table: customers, column: email, down: "null" }
                """);

        Run start = tandem("start", file.toString(), "--url", db.jdbcUrl(), "--user", db.user());

        assertThat(start.exitCode()).isEqualTo(1);
        assertThat(start.out()).contains("error [deprecation-required]");
        assertThat(start.err()).contains("error [LINT_FAILED]: refusing to start 0002_drop_email");
        assertThat(query("SELECT count(*) FROM information_schema.columns WHERE table_name = 'customers'"))
                .containsExactly("3");
    }

    @Test
    void shouldPrintEveryProblemOfAFileThatDoesNotFitTheDatabaseExactlyOnce() throws Exception {
        Path file = Files.writeString(dir.resolve("0002_typos.yaml"), """
                service: customers
                owner: team-crm
                rationale: Two typos
                operations:
                  - add_column: { table: custmers, column: { name: nickname, type: text } }
                  - add_column: { table: customer, column: { name: phone, type: text } }
                """);

        Run start = tandem("start", file.toString(), "--url", db.jdbcUrl(), "--user", db.user());

        assertThat(start.exitCode()).as(start.err()).isEqualTo(2);
        assertThat(start.err()).contains("SCHEMA_MISMATCH", "nothing was changed");
        List<String> problems = start.err()
                .lines()
                .filter(line -> line.matches("\\s*" + Pattern.quote(file.toString()) + ":\\d+:\\d+: .*"))
                .toList();
        assertThat(problems).as(start.err()).hasSize(2).doesNotHaveDuplicates();
        assertThat(problems.get(0)).contains("custmers");
        assertThat(problems.get(1)).contains("customer");
    }

    @Test
    void shouldRefuseCompleteBeforeTheSunsetAndRecordAForcedPass() throws Exception {
        Path file = migration("2999-01-01");
        assertThat(tandem("start", file.toString(), "--url", db.jdbcUrl(), "--user", db.user())
                        .exitCode())
                .isZero();

        Run refused = tandem("complete", "--url", db.jdbcUrl(), "--user", db.user());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("GATE_REFUSED");

        Run forced = tandem(
                "complete", "--force", "--reason", "sunset moved by CAB-7", "--url", db.jdbcUrl(), "--user", db.user());
        assertThat(forced.exitCode()).as(forced.err()).isZero();
        assertThat(tandem("history", "--url", db.jdbcUrl(), "--user", db.user()).out())
                .contains("forced: sunset moved by CAB-7");
    }

    @Test
    void shouldPauseAndResumeTheBackfillThenRollBackToTheOldShape() throws Exception {
        Path file = migration("2020-01-01");
        Run start = tandem("start", file.toString(), "--no-backfill", "--url", db.jdbcUrl(), "--user", db.user());
        assertThat(start.exitCode()).as(start.err()).isZero();
        assertThat(start.out()).contains("EXPANDED");

        Run pause = tandem("backfill", "--pause", "--url", db.jdbcUrl(), "--user", db.user());
        assertThat(pause.exitCode()).as(pause.err()).isZero();
        assertThat(pause.out()).contains("pause");
        Run resume = tandem("backfill", "--resume", "--url", db.jdbcUrl(), "--user", db.user());
        assertThat(resume.exitCode()).as(resume.err()).isZero();
        assertThat(resume.out()).contains("BACKFILLED");

        Run rollback = tandem("rollback", "--url", db.jdbcUrl(), "--user", db.user());

        assertThat(rollback.exitCode()).as(rollback.err()).isZero();
        assertThat(rollback.out()).contains("0001_split_customer_name is ROLLED_BACK");
        assertThat(query("SELECT column_name FROM information_schema.columns WHERE table_schema = 'public'"
                        + " AND table_name = 'customers' ORDER BY ordinal_position"))
                .containsExactly("id", "name", "email");
    }

    @Test
    void shouldCutOverAndRevert() throws Exception {
        Path file = migration("2020-01-01");
        assertThat(tandem("start", file.toString(), "--url", db.jdbcUrl(), "--user", db.user())
                        .exitCode())
                .isZero();

        Run verify = tandem("verify", "--url", db.jdbcUrl(), "--user", db.user());
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
        Run cutover = tandem("cutover", "--url", db.jdbcUrl(), "--user", db.user());
        assertThat(cutover.exitCode()).as(cutover.err()).isZero();
        assertThat(phase()).isEqualTo("CUT_OVER");

        Run revert =
                tandem("revert", "--migration", "0001_split_customer_name", "--url", db.jdbcUrl(), "--user", db.user());
        assertThat(revert.exitCode()).as(revert.err()).isZero();
        assertThat(phase()).isEqualTo("VERIFIED");
    }

    @Test
    void shouldShowEveryRetryWhileAnotherSessionHoldsALock() throws Exception {
        Path file = migration("2020-01-01");
        CountDownLatch retried = new CountDownLatch(1);
        Connection blocker = db.dataSource().getConnection();
        blocker.setAutoCommit(false);
        try (Statement s = blocker.createStatement()) {
            s.execute("LOCK TABLE customers IN ACCESS SHARE MODE"); // as a long-running report would
        }
        Thread release = Thread.ofPlatform().start(() -> {
            try (blocker) {
                retried.await(60, TimeUnit.SECONDS);
                blocker.rollback();
            } catch (InterruptedException | SQLException e) {
                Thread.currentThread().interrupt();
            }
        });
        StringWriter out = new StringWriter() {
            @Override
            public void write(String text, int offset, int length) {
                super.write(text, offset, length);
                if (getBuffer().indexOf("  ! attempt ") >= 0) {
                    retried.countDown();
                }
            }
        };

        CommandLine commandLine = new CommandLine(new TandemCli());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(new StringWriter(), true));
        int exitCode = commandLine.execute(
                "start", file.toString(), "--lock-timeout", "100ms", "--url", db.jdbcUrl(), "--user", db.user());
        release.join();

        assertThat(exitCode).as(out.toString()).isZero();
        assertThat(out.toString()).containsPattern("  ! attempt 1 of \\d+: .*lock timeout.*; retrying in \\d+ ms");
    }

    @Test
    void shouldListEveryActiveMigrationWhenSeveralSchemasHaveOne() throws Exception {
        sql("CREATE SCHEMA billing");
        sql("CREATE TABLE billing.invoices (id int PRIMARY KEY, total numeric NOT NULL)");
        sql("INSERT INTO billing.invoices SELECT g, g FROM generate_series(1, 100) g");
        Path invoices = Files.writeString(dir.resolve("0001_invoice_cents.yaml"), """
                service: billing
                owner: team-billing
                rationale: Totals in cents
                schema: billing
                operations:
                  - add_column: { table: invoices, column: { name: cents, type: bigint }, up: (total * 100)::bigint }
                """);
        assertThat(tandem("start", migration("2020-01-01").toString(), "--url", db.jdbcUrl(), "--user", db.user())
                        .exitCode())
                .isZero();
        assertThat(tandem("start", invoices.toString(), "--url", db.jdbcUrl(), "--user", db.user())
                        .exitCode())
                .isZero();

        Run text = tandem("status", "--url", db.jdbcUrl(), "--user", db.user());
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out())
                .doesNotContain("No active migration")
                .contains("2 migrations are active")
                .contains("migration  0001_split_customer_name", "migration  0001_invoice_cents")
                .contains("schema     public", "schema     billing");

        Run json = tandem("status", "--json", "--url", db.jdbcUrl(), "--user", db.user());
        assertThat(json.exitCode()).as(json.err()).isZero();
        JsonNode active = JSON.readTree(json.out());
        assertThat(active.isArray()).as(json.out()).isTrue();
        assertThat(active.findValuesAsText("id")).containsExactly("0001_split_customer_name", "0001_invoice_cents");
        assertThat(active.findValuesAsText("schema")).containsExactly("public", "billing");
        assertThat(active.findValuesAsText("phase")).containsExactly("BACKFILLED", "BACKFILLED");

        Run one = tandem(
                "status", "--json", "--migration", "0001_invoice_cents", "--url", db.jdbcUrl(), "--user", db.user());
        assertThat(JSON.readTree(one.out()).get("id").asText()).isEqualTo("0001_invoice_cents");
    }

    @Test
    void shouldStartAFixedFileAfterAFailedStartAndShowBothAttemptsInTheHistory() throws Exception {
        Path file = dir.resolve("0002_nickname.yaml");
        Files.writeString(file, """
                service: customers
                owner: team-crm
                rationale: Nicknames
                operations:
                  - add_column: { table: customers, column: { name: nickname, type: text }, up: lower(name) }
                  - sql: { up: "SELECT no_such_function()", down: "SELECT 1" }
                """);
        Run failed = tandem("start", file.toString(), "--url", db.jdbcUrl(), "--user", db.user());
        assertThat(failed.exitCode()).as(failed.out() + failed.err()).isNotZero();
        String firstChecksum = query("SELECT checksum FROM tandem.migrations").getFirst();

        Files.writeString(file, """
                service: customers
                owner: team-crm
                rationale: Nicknames
                operations:
                  - add_column: { table: customers, column: { name: nickname, type: text }, up: lower(name) }
                """);
        Run again = tandem("start", file.toString(), "--url", db.jdbcUrl(), "--user", db.user());

        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.err()).doesNotContain("CHECKSUM_MISMATCH");
        assertThat(again.out()).contains("BACKFILLED");
        String secondChecksum = query("SELECT checksum FROM tandem.migrations").getFirst();
        Run history = tandem("history", "--url", db.jdbcUrl(), "--user", db.user());
        assertThat(history.out())
                .containsPattern("0002_nickname +1 +PLANNED +ROLLED_BACK +" + firstChecksum.substring(0, 12)
                        + " .*\\(start failed\\)")
                .containsPattern("0002_nickname +2 +- +PLANNED +" + secondChecksum.substring(0, 12)
                        + " .*\\(started again after a failed start\\)");
        JsonNode entries = JSON.readTree(tandem("history", "--json", "--url", db.jdbcUrl(), "--user", db.user())
                .out());
        assertThat(entries.findValuesAsText("to"))
                .containsExactly("PLANNED", "ROLLED_BACK", "PLANNED", "EXPANDED", "BACKFILLED");
        assertThat(entries.findValues("attempt")).extracting(JsonNode::asInt).containsExactly(1, 1, 2, 2, 2);
        assertThat(entries.get(1).get("checksum").asText()).isEqualTo(firstChecksum);
        assertThat(entries.get(4).get("checksum").asText()).isEqualTo(secondChecksum);
    }

    @Test
    void shouldExitWithUsageForAMigrationThatIsNotThere() {
        Run status = tandem("status", "--migration", "0042_nope", "--url", db.jdbcUrl(), "--user", db.user());

        assertThat(status.exitCode()).isEqualTo(2);
        assertThat(status.err()).contains("no migration 0042_nope", "tandem history");
    }

    private String phase() throws IOException {
        return JSON.readTree(tandem("status", "--json", "--url", db.jdbcUrl(), "--user", db.user())
                        .out())
                .get("phase")
                .asText();
    }

    private Run tandem(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(new TandemCli());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    private record Run(int exitCode, String out, String err) {}

    private Path migration(String sunset) throws IOException {
        return Files.writeString(dir.resolve("0001_split_customer_name.yaml"), MIGRATION.formatted(sunset, sunset));
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
