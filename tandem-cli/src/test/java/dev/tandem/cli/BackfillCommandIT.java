package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.DedicatedPostgres;
import dev.tandem.testkit.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backfill as an operator meets it: a failed row, a database restart, the triggers option. */
class BackfillCommandIT {
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private Path migration(String id, String operation) throws Exception {
        return Files.writeString(dir.resolve(id + ".yaml"), """
                service: shop
                owner: team-shop
                rationale: a new column
                operations:
                  - %s
                """.formatted(operation));
    }

    private static String[] args(EmbeddedPostgres.Database db, String... command) {
        String[] all = java.util.Arrays.copyOf(command, command.length + 4);
        System.arraycopy(new String[] {"--url", db.jdbcUrl(), "--user", db.user()}, 0, all, command.length, 4);
        return all;
    }

    @Test
    void shouldNameTheFailingRowAndSuggestTheRealFixInStartAndStatus() throws Exception {
        EmbeddedPostgres.Database db = EmbeddedPostgres.newDatabase();
        sql(
                db,
                "CREATE TABLE items (id int PRIMARY KEY, qty int NOT NULL);"
                        + " INSERT INTO items SELECT g, CASE WHEN g = 777 THEN 5 ELSE 10 END FROM generate_series(1, 2000) g");
        Path file = migration(
                "0001_ratio", "add_column: { table: items, column: { name: ratio, type: int }, up: 100 / (qty - 5) }");

        CliRun start = CliRun.of(args(db, "start", file.toString()));

        assertThat(start.exitCode()).isEqualTo(3);
        assertThat(start.err())
                .contains("error [DATABASE_ERROR]: the backfill of public.items failed in the batch of keys id ")
                .contains("first failing row: id = 777")
                .contains("ratio = 100 / (qty - 5)")
                .contains("division by zero")
                .contains("`tandem rollback` and start a corrected migration");
        CliRun status = CliRun.of(args(db, "status"));
        assertThat(status.out())
                .contains("failed: items: row id = 777, column ratio = 100 / (qty - 5)")
                .contains("Fix that row's data, then `tandem backfill --resume`; or `tandem rollback` and start a"
                        + " corrected migration");
        assertThat(CliRun.of(args(db, "status", "--json")).out()).contains("\"state\" : \"FAILED\"");
    }

    @Test
    void shouldRefuseAnUnknownTriggersChoice() throws Exception {
        EmbeddedPostgres.Database db = EmbeddedPostgres.newDatabase();
        Path file = migration("0001_x", "add_column: { table: items, column: { name: x, type: int }, up: 1 }");

        CliRun start = CliRun.of(args(db, "start", file.toString(), "--backfill-triggers", "sometimes"));

        assertThat(start.exitCode()).isEqualTo(2);
        assertThat(start.err()).contains("expected skip or fire, got 'sometimes'");
    }

    @Test
    void shouldExitThreeWhenTheDatabaseRestartsMidBackfillShowItInterruptedAndResume() throws Exception {
        try (DedicatedPostgres server = DedicatedPostgres.start(dir.resolve("data"))) {
            EmbeddedPostgres.Database db = server.newDatabase("restart");
            sql(
                    db,
                    "CREATE TABLE items (id int PRIMARY KEY, qty int NOT NULL);"
                            + " INSERT INTO items SELECT g, g % 50 FROM generate_series(1, 20000) g");
            Path file = migration(
                    "0001_twice", "add_column: { table: items, column: { name: twice, type: int }, up: qty * 2 }");
            assertThat(CliRun.of(args(db, "start", file.toString(), "--no-backfill"))
                            .exitCode())
                    .isZero();

            CompletableFuture<CliRun> backfill = CompletableFuture.supplyAsync(
                    () -> CliRun.of(args(db, "backfill", "--max-rows-per-second", "5000")),
                    r -> Thread.ofPlatform().daemon().start(r));
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (value(db, "SELECT coalesce(max(rows_done), 0) FROM tandem.backfill") < 3_000) {
                assertThat(System.nanoTime()).as("the backfill makes progress").isLessThan(deadline);
                Thread.sleep(20); // between polls of the condition, not a wait for it
            }

            server.restart();

            CliRun failed = backfill.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            assertThat(failed.exitCode()).as(failed.err()).isEqualTo(3);
            assertThat(failed.err())
                    .contains("error [CONNECTION_FAILED]: lost the connection to the database during the backfill")
                    .contains("`tandem backfill --resume` goes on from there");
            assertThat(CliRun.of(args(db, "status")).out())
                    .contains("interrupted; go on with `tandem backfill --resume`");

            CliRun resumed = CliRun.of(args(db, "backfill", "--resume"));
            assertThat(resumed.exitCode()).as(resumed.err()).isZero();
            assertThat(resumed.out()).contains("BACKFILLED");
            assertThat(value(db, "SELECT count(*) FROM items WHERE twice IS DISTINCT FROM qty * 2"))
                    .isZero();
            assertThat(value(db, "SELECT rows_done FROM tandem.backfill")).isEqualTo(20_000);
        }
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
            return rs.getLong(1);
        }
    }
}
