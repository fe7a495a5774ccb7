package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.testkit.EmbeddedPostgres;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A backfill killed with SIGKILL resumes from its checkpoint: `status` shows it as interrupted,
 * `backfill --resume` finishes it, and no row is skipped. Runs the real CLI jar in a child process.
 */
class CrashResumeIT {
    private static final int ROWS = 300_000;

    @TempDir
    Path dir;

    @Test
    void shouldResumeAfterTheCliIsKilledMidBackfillWithoutSkippingARow() throws Exception {
        EmbeddedPostgres.Database db = EmbeddedPostgres.newDatabase();
        sql(db, "CREATE TABLE accounts (id bigint PRIMARY KEY, balance int NOT NULL)");
        sql(db, "INSERT INTO accounts SELECT g, g % 1000 FROM generate_series(1, " + ROWS + ") g");
        Path file = Files.writeString(dir.resolve("0001_cents.yaml"), """
                service: ledger
                owner: team-ledger
                rationale: cents for every balance
                operations:
                  - add_column: { table: accounts, column: { name: cents, type: bigint }, up: balance * 100 }
                """);
        String java = ProcessHandle.current().info().command().orElse("java");
        Process cli = new ProcessBuilder(
                        java,
                        "-jar",
                        new File("target/tandem.jar").getAbsolutePath(),
                        "start",
                        file.toString(),
                        "--url",
                        db.jdbcUrl(),
                        "--user",
                        db.user(),
                        "--max-rows-per-second",
                        "40000")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("cli.log").toFile())
                .start();

        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (value(db, "SELECT to_regclass('tandem.backfill') IS NOT NULL") == 0
                || value(db, "SELECT coalesce(max(rows_done), 0) FROM tandem.backfill") < 60_000) {
            assertThat(System.nanoTime())
                    .as("the backfill makes progress: " + Files.readString(dir.resolve("cli.log")))
                    .isLessThan(deadline);
            Thread.sleep(50);
        }
        cli.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
        cli.waitFor();
        long done = value(db, "SELECT rows_done FROM tandem.backfill");
        assertThat(done).isLessThan(ROWS);

        String status = "";
        while (!status.contains("INTERRUPTED")) {
            assertThat(System.nanoTime()).as("status shows the interruption").isLessThan(deadline);
            status = run("status", "--json", "--url", db.jdbcUrl(), "--user", db.user());
            Thread.sleep(50);
        }

        assertThat(new CommandLine(new TandemCli())
                        .execute("backfill", "--resume", "--url", db.jdbcUrl(), "--user", db.user()))
                .isZero();
        assertThat(value(db, "SELECT count(*) FROM accounts WHERE cents IS DISTINCT FROM balance * 100::bigint"))
                .isZero();
        assertThat(value(db, "SELECT rows_done FROM tandem.backfill")).isEqualTo(ROWS);
        assertThat(run("status", "--json", "--url", db.jdbcUrl(), "--user", db.user()))
                .contains("\"BACKFILLED\"");
    }

    @Test
    void shouldShowACompleteKilledPartWayAsUnfinishedAndFinishItWithComplete() throws Exception {
        EmbeddedPostgres.Database db = EmbeddedPostgres.newDatabase();
        sql(db, "CREATE TABLE a (id int PRIMARY KEY, v int NOT NULL)");
        sql(db, "CREATE TABLE b (id int PRIMARY KEY, v int NOT NULL)");
        sql(db, "INSERT INTO a SELECT g, g FROM generate_series(1, 1000) g");
        sql(db, "INSERT INTO b SELECT g, g FROM generate_series(1, 1000) g");
        Path file = Files.writeString(dir.resolve("0001_twice.yaml"), """
                service: ledger
                owner: team-ledger
                rationale: twice the value, in both tables
                operations:
                  - add_column: { table: a, column: { name: w, type: int }, up: v * 2 }
                  - add_column: { table: b, column: { name: w, type: int }, up: v * 2 }
                """);
        String[] url = {"--url", db.jdbcUrl(), "--user", db.user()};
        assertThat(new CommandLine(new TandemCli()).execute(with(url, "start", file.toString())))
                .isZero();

        // A report holds table b, so complete contracts a, then retries on b until it is killed.
        try (Connection report = db.dataSource().getConnection()) {
            report.setAutoCommit(false);
            try (Statement s = report.createStatement()) {
                s.execute("LOCK TABLE b IN ACCESS SHARE MODE");
            }
            String java = ProcessHandle.current().info().command().orElse("java");
            Process cli = new ProcessBuilder(
                            with(url, java, "-jar", new File("target/tandem.jar").getAbsolutePath(), "complete"))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("complete.log").toFile())
                    .start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (value(db, "SELECT count(*) FROM tandem.steps WHERE stage = 'COMPLETE' AND done_at IS NOT NULL")
                    == 0) {
                assertThat(System.nanoTime())
                        .as("complete contracts table a: " + Files.readString(dir.resolve("complete.log")))
                        .isLessThan(deadline);
                Thread.sleep(20);
            }
            cli.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
            cli.waitFor();
            report.rollback();
        }

        String text = run(with(url, "status"));
        assertThat(text)
                .contains("phase      BACKFILLED")
                .containsPattern("complete +unfinished: \\d+ of \\d+ steps ran, then it stopped")
                .contains("`tandem complete` finishes it")
                .doesNotContain("`tandem rollback` undoes everything");
        JsonNode json = new ObjectMapper().readTree(run(with(url, "status", "--json")));
        assertThat(json.get("phase").asText()).isEqualTo("BACKFILLED");
        assertThat(json.at("/unfinished/command").asText()).isEqualTo("complete");
        assertThat(json.at("/unfinished/stepsDone").asInt()).isPositive();
        assertThat(json.get("next").asText()).startsWith("`tandem complete` finishes it");

        assertThat(new CommandLine(new TandemCli()).execute(with(url, "rollback")))
                .as("rollback is refused once complete removed part of the old shape")
                .isEqualTo(1);
        assertThat(new CommandLine(new TandemCli()).execute(with(url, "complete")))
                .isZero();
        assertThat(value(db, "SELECT count(*) FROM b WHERE w IS DISTINCT FROM v * 2"))
                .isZero();
        assertThat(run(with(url, "status", "--json", "--migration", "0001_twice")))
                .contains("\"COMPLETE\"")
                .contains("\"unfinished\" : null");
    }

    private static String[] with(String[] url, String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + url.length);
        System.arraycopy(url, 0, all, args.length, url.length);
        return all;
    }

    private static String run(String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        CommandLine cli = new CommandLine(new TandemCli());
        cli.setOut(new java.io.PrintWriter(out));
        cli.execute(args);
        return out.toString();
    }

    private static void sql(EmbeddedPostgres.Database db, String sql) throws SQLException {
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static long value(EmbeddedPostgres.Database db, String sql) throws SQLException {
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getObject(1) instanceof Boolean b ? (b ? 1 : 0) : rs.getLong(1);
        }
    }
}
