package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.testkit.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code status} says about a move (issue 9): the relay's lag against its bound, the backlog,
 * the rate, the dead letters and the copy, and BACKFILLED only when the copy is done, the lag is
 * within its bound and no change is parked. No test waits for time to pass: a relay that has not run
 * for a minute is made by dating the captured changes a minute back.
 */
class MoveStatusIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    EmbeddedPostgres.Database orders;
    EmbeddedPostgres.Database billing;
    Path file;
    String store;

    @BeforeEach
    void stores() throws Exception {
        orders = EmbeddedPostgres.newDatabase();
        billing = EmbeddedPostgres.newDatabase();
        sql(orders, MoveFixture.ORDERS);
        sql(billing, MoveFixture.INVOICES);
        file = Files.writeString(dir.resolve(MoveFixture.FILE_NAME), MoveFixture.MOVE);
        store = MoveFixture.store(billing);
    }

    @Test
    void shouldShowAMoveWhoseRelayIsBehindItsBoundAsCatchingUpUntilTheRelayDeliversIt() throws Exception {
        start();
        writeThreeChangesAMinuteAgo();

        CliRun behind = tandem("status");
        assertThat(behind.exitCode()).as(behind.err()).isZero();
        assertThat(behind.out())
                .containsPattern("phase      EXPANDED, catching up: orders -> billing.invoices: lag \\d+\\.\\d s is"
                        + " over its bound of 10\\.0 s \\(3 changes not delivered")
                .containsPattern("move       orders -> billing.invoices: catching up, not BACKFILLED: lag \\d+\\.\\d s"
                        + " is over its bound of 10\\.0 s")
                .containsPattern("  lag      1m\\d\\ds, over its bound of 10\\.0 s")
                .contains("  backlog  3 changes to deliver")
                .contains("  applied  0.0 changes/s over the last 10 s")
                .contains("  dead     no open dead letters")
                .contains("  copy     done: 500 rows, at ")
                .contains("`tandem relay --store NAME=URL` delivers what the target store is missing")
                .doesNotContain("BACKFILLED (copy done");
        JsonNode json = json();
        assertThat(json.get("phase").asText()).isEqualTo("EXPANDED");
        assertThat(json.get("catchingUp").asText()).contains("is over its bound of 10.0 s");
        JsonNode move = json.at("/moves/0");
        assertThat(move.get("id").asText()).isEqualTo("0007_move_orders.orders");
        assertThat(move.get("store").asText()).isEqualTo("billing");
        assertThat(move.get("targetTable").asText()).isEqualTo("invoices");
        assertThat(move.get("backfilled").asBoolean()).isFalse();
        assertThat(move.get("backlog").asLong()).isEqualTo(3);
        assertThat(move.get("lagMs").asLong()).isBetween(60_000L, 600_000L);
        assertThat(move.get("maxLagMs").asLong()).isEqualTo(10_000);
        assertThat(move.get("appliedPerSecond").isNumber()).isTrue();
        assertThat(move.get("openDeadLetters").asLong()).isZero();
        assertThat(move.get("copyDone").asBoolean()).isTrue();
        assertThat(move.get("copiedRows").asLong()).isEqualTo(500);
        assertThat(move.get("copiedAt").isTextual()).isTrue();

        CliRun cutover = tandem("cutover");
        assertThat(cutover.exitCode()).as(cutover.out() + cutover.err()).isEqualTo(1);
        assertThat(cutover.err())
                .contains("cutover of 0007_move_orders refused:", "is over its bound of 10.0 s", "--force --reason");

        CliRun relay = tandem("relay", "--drain");
        assertThat(relay.exitCode()).as(relay.out() + relay.err()).isZero();

        CliRun caughtUp = tandem("status");
        assertThat(caughtUp.exitCode()).as(caughtUp.err()).isZero();
        assertThat(caughtUp.out())
                .contains("phase      BACKFILLED\n")
                .contains("move       orders -> billing.invoices: BACKFILLED (copy done, lag within its bound)")
                .contains("  lag      0 ms, within its bound of 10.0 s")
                .contains("  backlog  0 changes to deliver")
                .doesNotContain("catching up");
        json = json();
        assertThat(json.get("phase").asText()).isEqualTo("BACKFILLED");
        assertThat(json.get("catchingUp").isNull()).isTrue();
        assertThat(json.at("/moves/0/backfilled").asBoolean()).isTrue();
        assertThat(json.at("/moves/0/backlog").asLong()).isZero();
        assertThat(json.at("/moves/0/lagMs").asLong()).isZero();
    }

    @Test
    void shouldNotCountAMoveWithAnOpenDeadLetterAsBackfilledUntilANewerChangeSupersedesIt() throws Exception {
        start();
        sql(orders, "UPDATE orders SET total = 5000 WHERE id = 7"); // 500000 cents: the target's check refuses it

        CliRun relay = tandem("relay", "--drain", "--max-attempts", "1");
        assertThat(relay.exitCode()).as(relay.out() + relay.err()).isZero();
        assertThat(relay.out()).contains("1 parked");

        CliRun parked = tandem("status");
        assertThat(parked.out())
                .contains("phase      EXPANDED, catching up: orders -> billing.invoices: 1 open dead letter")
                .contains("move       orders -> billing.invoices: catching up, not BACKFILLED: 1 open dead letter")
                .contains("  dead     1 open dead letter: `tandem dead-letters` lists them")
                .contains("  backlog  0 changes to deliver");
        JsonNode json = json();
        assertThat(json.get("phase").asText()).isEqualTo("EXPANDED");
        assertThat(json.at("/moves/0/openDeadLetters").asLong()).isEqualTo(1);
        assertThat(json.at("/moves/0/backfilled").asBoolean()).isFalse();

        sql(orders, "UPDATE orders SET total = 50 WHERE id = 7");
        assertThat(tandem("relay", "--drain").exitCode()).isZero();

        json = json();
        assertThat(json.get("phase").asText()).isEqualTo("BACKFILLED");
        assertThat(json.at("/moves/0/openDeadLetters").asLong()).isZero();
        assertThat(json.at("/moves/0/backfilled").asBoolean()).isTrue();
    }

    @Test
    void shouldHoldAMoveToTheLagBoundItWasStartedWith() throws Exception {
        CliRun start = tandem("start", file.toString(), "--max-lag", "2m");
        assertThat(start.exitCode()).as(start.out() + start.err()).isZero();
        writeThreeChangesAMinuteAgo();

        JsonNode json = json();
        assertThat(json.get("phase").asText()).isEqualTo("BACKFILLED");
        assertThat(json.at("/moves/0/maxLagMs").asLong()).isEqualTo(120_000);
        assertThat(json.at("/moves/0/backlog").asLong()).isEqualTo(3);
        assertThat(json.at("/moves/0/backfilled").asBoolean()).isTrue();
    }

    @Test
    void shouldShowACopyThatIsNotDoneAndRunItWithBackfill() throws Exception {
        CliRun start = tandem("start", file.toString(), "--no-backfill");
        assertThat(start.exitCode()).as(start.out() + start.err()).isZero();

        CliRun expanded = tandem("status");
        assertThat(expanded.out())
                .contains("phase      EXPANDED\n")
                .contains("move       orders -> billing.invoices: not BACKFILLED: the copy of the existing rows is not"
                        + " done (0 rows so far)")
                .contains("  copy     not done: 0 rows so far");
        JsonNode json = json();
        assertThat(json.at("/moves/0/copyDone").asBoolean()).isFalse();
        assertThat(json.at("/moves/0/copiedRows").asLong()).isZero();
        assertThat(json.at("/moves/0/copiedAt").isNull()).isTrue();

        CliRun backfill = tandem("backfill");
        assertThat(backfill.exitCode()).as(backfill.out() + backfill.err()).isZero();
        assertThat(backfill.out()).contains("copied 500 existing rows", "phase      BACKFILLED");
        json = json();
        assertThat(json.get("phase").asText()).isEqualTo("BACKFILLED");
        assertThat(json.at("/moves/0/copyDone").asBoolean()).isTrue();
        assertThat(json.at("/moves/0/copiedRows").asLong()).isEqualTo(500);
    }

    @Test
    void shouldSayTheRateIsUnknownWithoutTheTargetStore() throws Exception {
        start();

        CliRun status = CliRun.of("status", "--url", orders.jdbcUrl(), "--user", orders.user());
        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(status.out())
                .contains("phase      BACKFILLED\n")
                .contains("  applied  unknown: pass --store billing=URL or set TANDEM_STORE_BILLING_URL");
        CliRun json = CliRun.of("status", "--json", "--url", orders.jdbcUrl(), "--user", orders.user());
        assertThat(JSON.readTree(json.out()).at("/moves/0/appliedPerSecond").isNull())
                .isTrue();
    }

    // ---- fixtures

    private void start() {
        CliRun start = tandem("start", file.toString());
        assertThat(start.exitCode()).as(start.out() + start.err()).isZero();
        assertThat(start.out()).contains("copied 500 existing rows", "phase      BACKFILLED");
    }

    /** An insert, an update and a delete on the source, captured a minute ago by the outbox's clock. */
    private void writeThreeChangesAMinuteAgo() {
        sql(orders, """
                INSERT INTO orders VALUES (501, 1, 1.25);
                UPDATE orders SET total = total + 1 WHERE id = 1;
                DELETE FROM orders WHERE id = 2;
                UPDATE tandem.outbox SET committed_at = committed_at - interval '1 minute';
                """);
    }

    private JsonNode json() throws Exception {
        CliRun status = tandem("status", "--json");
        assertThat(status.exitCode()).as(status.err()).isZero();
        return JSON.readTree(status.out());
    }

    /** {@code tandem <command> [args] --url <orders> --user ... --store billing=...}. */
    private CliRun tandem(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", orders.jdbcUrl(), "--user", orders.user(), "--store", store));
        return CliRun.of(all.toArray(String[]::new));
    }

    private static void sql(EmbeddedPostgres.Database db, String sql) {
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }
}
