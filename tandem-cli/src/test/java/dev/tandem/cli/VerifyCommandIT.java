package dev.tandem.cli;

import static dev.tandem.cli.MoveCutoverIT.rows;
import static dev.tandem.cli.MoveCutoverIT.sql;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.testkit.EmbeddedPostgres;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem verify} on the fixture's move, as a user runs it: a clean move passes (exit 0) and opens
 * the cutover gate; drift written behind the relay's back fails it (exit 1), naming each key with its
 * kind and fields; a dry-run repair changes nothing, and a repair rewrites the keys and verifies clean.
 * Cutover is refused without a passing verification, and {@code --force --reason} passes it on the
 * record.
 */
class VerifyCommandIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private EmbeddedPostgres.Database orders;
    private EmbeddedPostgres.Database billing;

    @BeforeEach
    void startTheMove() throws Exception {
        orders = EmbeddedPostgres.newDatabase();
        billing = EmbeddedPostgres.newDatabase();
        MoveFixture.start(dir, orders, billing);
    }

    @Test
    void shouldRefuseCutoverUntilAVerificationPassesAndLetItThroughAfterOne() throws Exception {
        CliRun refused = tandem("cutover");
        assertThat(refused.exitCode()).as(refused.out() + refused.err()).isEqualTo(1);
        assertThat(refused.err())
                .contains("GATE_REFUSED", "no verification of 0007_move_orders has run", "`tandem verify`");
        assertThat(tandem("status").out()).contains("verified   none yet: `tandem verify` compares the two sides");
        assertThat(statusJson().get("verification").isNull()).isTrue();

        CliRun verify = tandem("verify");

        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out())
                .contains("migration        0007_move_orders")
                .containsPattern("compared         source \\S*orders\\S* \\(source\\) against target \\S*invoices\\S*"
                        + " \\(billing\\) by \\[id\\]")
                .containsPattern("rows             500 compared in \\S+ (ms|s) \\([\\d,]+ rows/s\\)")
                .contains("drift            0 rows (max_drift_rows 0)")
                .contains("suspects         0 cleared")
                .contains("result           PASSED");
        CliRun status = tandem("status");
        assertThat(status.out())
                .containsPattern(
                        "verified   passed \\S+Z \\(.* ago\\): 500 rows, 0 drifted; counts for" + " cutover until ");
        JsonNode last = statusJson().get("verification");
        assertThat(last.get("passed").asBoolean()).isTrue();
        assertThat(last.get("withinWindow").asBoolean()).isTrue();
        assertThat(last.get("rows").asLong()).isEqualTo(500);
        assertThat(last.get("driftRows").asLong()).isZero();
        assertThat(last.get("windowSeconds").asLong()).isEqualTo(3600);

        CliRun cutover = tandem("cutover");
        assertThat(cutover.exitCode()).as(cutover.out() + cutover.err()).isZero();
        assertThat(cutover.out()).contains("0007_move_orders is CUT_OVER");
    }

    @Test
    void shouldNameEachDriftedKeyThenRepairItAndVerifyClean() throws Exception {
        // Behind the relay's back, on the target: a changed total, a missing row, an extra row.
        sql(billing, """
                UPDATE invoices SET total_cents = 1 WHERE id = 42;
                DELETE FROM invoices WHERE id = 7;
                INSERT INTO invoices VALUES (9999, 1, 5);
                """);
        List<String> before = rows(billing, "SELECT id, customer_id, total_cents FROM invoices ORDER BY id");

        CliRun found = tandem("verify");

        assertThat(found.exitCode()).as(found.out() + found.err()).isEqualTo(1);
        assertThat(found.out())
                .contains("drift            3 rows (max_drift_rows 0)")
                .containsPattern("  CHANGED        \\S*invoices\\S* \\(42\\): total_cents 2100 -> 1")
                .containsPattern("  MISSING_ON_NEW \\S*invoices\\S* \\(7\\): only the old side has it \\(id 7,"
                        + " customer_id 0, total_cents 350\\)")
                .containsPattern("  EXTRA_ON_NEW   \\S*invoices\\S* \\(9999\\): only the new side has it \\(id 9999,"
                        + " customer_id 1, total_cents 5\\)")
                .contains("result           FAILED: 3 drifted", "`tandem verify --repair --dry-run`");

        CliRun json = tandem("verify", "--json");
        assertThat(json.exitCode()).as(json.err()).isEqualTo(1);
        JsonNode v = JSON.readTree(json.out());
        assertThat(v.get("passed").asBoolean()).isFalse();
        assertThat(v.get("migration").asText()).isEqualTo("0007_move_orders");
        assertThat(v.get("rows").asLong()).isGreaterThanOrEqualTo(500);
        assertThat(v.get("driftRows").asLong()).isEqualTo(3);
        assertThat(keysAndKinds(v.get("drift")))
                .containsExactlyInAnyOrder("(42) CHANGED", "(7) MISSING_ON_NEW", "(9999) EXTRA_ON_NEW");
        JsonNode changed = stream(v.get("drift"))
                .filter(d -> d.get("key").asText().equals("(42)"))
                .findFirst()
                .orElseThrow();
        assertThat(changed.at("/fields/0/column").asText()).isEqualTo("total_cents");
        assertThat(changed.at("/fields/0/old").asText()).isEqualTo("2100");
        assertThat(changed.at("/fields/0/new").asText()).isEqualTo("1");

        CliRun refused = tandem("cutover");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("GATE_REFUSED", "did not pass", "3 drifted row(s)");
        JsonNode last = statusJson().get("verification");
        assertThat(last.get("passed").asBoolean()).isFalse();
        assertThat(last.get("withinWindow").asBoolean()).isFalse();

        CliRun dryRun = tandem("verify", "--repair", "--dry-run");
        assertThat(dryRun.exitCode()).as(dryRun.out() + dryRun.err()).isEqualTo(1);
        assertThat(dryRun.out())
                .contains(
                        "repair           would rewrite 3 keys from the authoritative side (dry run: nothing changed)")
                .containsPattern("  CHANGED        \\S*invoices\\S* \\(42\\): total_cents 2100 -> 1");
        assertThat(rows(billing, "SELECT id, customer_id, total_cents FROM invoices ORDER BY id"))
                .as("a dry run changes nothing")
                .containsExactlyElementsOf(before);

        CliRun repair = tandem("verify", "--repair");

        assertThat(repair.exitCode()).as(repair.out() + repair.err()).isZero();
        assertThat(repair.out())
                .contains("repair           rewrote 3 keys from the authoritative side")
                .contains("verification after the repair:")
                .contains("drift            0 rows")
                .contains("result           PASSED");
        assertThat(rows(billing, "SELECT id, customer_id, total_cents FROM invoices ORDER BY id"))
                .containsExactlyElementsOf(
                        rows(orders, "SELECT id, customer_id, (total * 100)::bigint FROM orders ORDER BY id"));
        CliRun cutover = tandem("cutover");
        assertThat(cutover.exitCode()).as(cutover.out() + cutover.err()).isZero();
    }

    @Test
    void shouldPrintTheRepairAsJson() throws Exception {
        sql(billing, "UPDATE invoices SET total_cents = 1 WHERE id = 42");

        CliRun dryRun = tandem("verify", "--repair", "--dry-run", "--json");
        assertThat(dryRun.exitCode()).as(dryRun.err()).isEqualTo(1);
        JsonNode planned = JSON.readTree(dryRun.out());
        assertThat(planned.get("dryRun").asBoolean()).isTrue();
        assertThat(keysAndKinds(planned.get("planned"))).containsExactly("(42) CHANGED");
        assertThat(planned.get("after").isNull()).isTrue();
        assertThat(rows(billing, "SELECT total_cents FROM invoices WHERE id = 42"))
                .containsExactly("1");

        CliRun repair = tandem("verify", "--repair", "--json");
        assertThat(repair.exitCode()).as(repair.err()).isZero();
        JsonNode done = JSON.readTree(repair.out());
        assertThat(done.get("dryRun").asBoolean()).isFalse();
        assertThat(done.at("/after/passed").asBoolean()).isTrue();
        assertThat(done.at("/after/driftRows").asLong()).isZero();
        assertThat(rows(billing, "SELECT total_cents FROM invoices WHERE id = 42"))
                .containsExactly("2100");
    }

    @Test
    void shouldLetForceWithAReasonPassTheGateOnTheRecord() throws Exception {
        CliRun forced = tandem("cutover", "--force", "--reason", "verified by hand");

        assertThat(forced.exitCode()).as(forced.out() + forced.err()).isZero();
        assertThat(forced.out()).contains("cutover forced past:", "no verification of 0007_move_orders has run");
        JsonNode history = JSON.readTree(tandem("history", "--json").out());
        JsonNode last = history.get(history.size() - 1);
        assertThat(last.get("to").asText()).isEqualTo("CUT_OVER");
        assertThat(last.get("forced").asBoolean()).isTrue();
        assertThat(last.get("reason").asText()).isEqualTo("verified by hand");
    }

    @Test
    void shouldRefuseDryRunWithoutRepairAsBadUsage() {
        CliRun run = tandem("verify", "--dry-run");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--dry-run goes with --repair");
    }

    @Test
    void shouldRefuseContinuousWithRepairOrAWebhookWithoutContinuousAsBadUsage() {
        CliRun both = tandem("verify", "--continuous", "--repair");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("--continuous runs on its own");

        CliRun hook = tandem("verify", "--webhook", "http://127.0.0.1:9/drift");
        assertThat(hook.exitCode()).isEqualTo(2);
        assertThat(hook.err()).contains("--webhook goes with --continuous");
    }

    private CliRun tandem(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", orders.jdbcUrl(), "--user", orders.user(), "--store", MoveFixture.store(billing)));
        if (args[0].equals("history")) {
            all.removeAll(List.of("--store", MoveFixture.store(billing)));
        }
        return CliRun.of(all.toArray(String[]::new));
    }

    private JsonNode statusJson() throws Exception {
        CliRun status = tandem("status", "--json");
        assertThat(status.exitCode()).as(status.err()).isZero();
        return JSON.readTree(status.out());
    }

    private static List<String> keysAndKinds(JsonNode drift) {
        return stream(drift)
                .map(d -> d.get("key").asText() + " " + d.get("kind").asText())
                .toList();
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out.stream();
    }
}
