package dev.tandem.cli;

import static dev.tandem.cli.FlagCommandIT.query;
import static dev.tandem.cli.FlagCommandIT.sql;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.testkit.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the services that embed tandem-client report, as {@code status} shows it and {@code complete}
 * waits on it: the heartbeats are written here by SQL, as a client writes them, and dated back
 * instead of waiting for time to pass.
 */
class ClientsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID = "0001_add_nickname";
    private static final String MIGRATION = """
            id: 0001_add_nickname
            service: customers
            owner: team-crm
            rationale: Greetings use a nickname
            operations:
              - add_column:
                  table: customers
                  column: { name: nickname, type: text }
                  up: split_part(name, ' ', 1)
            """;

    @TempDir
    Path dir;

    EmbeddedPostgres.Database db;

    @BeforeEach
    void started() throws Exception {
        db = EmbeddedPostgres.newDatabase();
        sql(db, """
                CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL);
                INSERT INTO customers (name) SELECT 'Ada Lovelace ' || i FROM generate_series(1, 500) AS i;
                """);
        Path file = Files.writeString(dir.resolve(ID + ".yaml"), MIGRATION);
        CliRun start = tandem("start", file.toString());
        assertThat(start.exitCode()).as(start.err()).isZero();
    }

    @Test
    void shouldShowTheFlagsEachClientWithItsSideAndTheShadowReadsSummed() throws Exception {
        assertThat(tandem("flag", "--reads-new", "25").exitCode()).isZero();
        heartbeat("customers-api", "pod-1", "both", "now()", 25, 1000, 3, """
                [{"key": "42", "at": "2026-11-30T08:00:00Z",
                  "diffs": [{"field": "nickname", "old": "Ada", "new": "ada"}, {"field": "id", "old": "42", "new": null}]}]""");
        heartbeat("customers-api", "pod-2", "both", "now() - interval '2 seconds'", 25, 600, 1, """
                [{"key": "7", "note": "only on the old side"}]""");
        heartbeat("mailer", "worker-1", "old", "now() - interval '5 minutes'", null, 0, 0, "[]");

        CliRun status = tandem("status");

        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(status.out())
                .containsPattern("flags +reads-new 25%, shape old \\(set by \\S+ at \\S+\\)")
                .contains("clients    3 instances: 1 old, 2 both (1 stale)")
                .containsPattern("  both +customers-api pod-1, reads-new 25%, seen \\d+ ms ago\n")
                .containsPattern("  old +mailer worker-1, seen 5m0\\ds ago, stale: no heartbeat for over 30\\.0 s")
                .contains("shadow     1,600 reads compared on both sides, 4 differed (0.25%)")
                .contains("  differs  key 42: nickname: Ada -> ada; id: 42 -> null (customers-api pod-1)")
                .contains("  differs  key 7: {\"note\": \"only on the old side\"} (customers-api pod-2)");

        JsonNode json = JSON.readTree(tandem("status", "--json").out());
        assertThat(json.at("/flags/readsNewPercent").asInt()).isEqualTo(25);
        assertThat(json.at("/flags/shape").asText()).isEqualTo("old");
        assertThat(json.at("/flags/updatedBy").asText()).isEqualTo(System.getProperty("user.name"));
        assertThat(json.get("clients")).hasSize(3);
        assertThat(json.at("/clients/0/service").asText()).isEqualTo("customers-api");
        assertThat(json.at("/clients/0/instance").asText()).isEqualTo("pod-1");
        assertThat(json.at("/clients/0/side").asText()).isEqualTo("both");
        assertThat(json.at("/clients/0/stale").asBoolean()).isFalse();
        assertThat(json.at("/clients/2/side").asText()).isEqualTo("old");
        assertThat(json.at("/clients/2/stale").asBoolean()).isTrue();
        assertThat(json.at("/clients/2/readsNewPercent").isNull()).isTrue();
        assertThat(json.at("/clients/2/ageSeconds").asLong()).isBetween(300L, 400L);
        assertThat(json.at("/shadow/compared").asLong()).isEqualTo(1600);
        assertThat(json.at("/shadow/mismatched").asLong()).isEqualTo(4);
        assertThat(json.at("/shadow/mismatchRate").asDouble()).isEqualTo(0.0025);
        assertThat(json.at("/shadow/samples/0/key").asText()).isEqualTo("42");
        assertThat(json.at("/shadow/samples/0/difference").asText()).isEqualTo("nickname: Ada -> ada; id: 42 -> null");
    }

    @Test
    void shouldShowNoClientsAndTheDefaultFlagsBeforeAnyReported() {
        CliRun status = tandem("status");

        assertThat(status.out())
                .contains("flags      reads-new 0%, shape old (never set: the defaults; `tandem flag` sets them)")
                .contains("clients    none has reported a heartbeat")
                .contains("shadow     no shadow reads compared yet");
    }

    @Test
    void shouldRefuseCompleteWhileAClientWasSeenOnTheOldShapeWithinTheSoakTime() throws Exception {
        heartbeat("customers-api", "pod-1", "old", "now()", null, 0, 0, "[]");
        heartbeat("customers-api", "pod-2", "new", "now()", null, 0, 0, "[]");

        CliRun refused = tandem("complete");

        assertThat(refused.exitCode()).as(refused.out() + refused.err()).isEqualTo(1);
        assertThat(refused.err())
                .contains("error [GATE_REFUSED]: complete of " + ID + " refused:")
                .contains("a client still uses the old shape (seen within the soak time of 10m00s):")
                .containsPattern("customers-api instance pod-1 \\(side old\\) was last seen \\d+ s ago, at \\S+Z")
                .contains("`tandem flag --shape new`", "--force --reason")
                .doesNotContain("pod-2");
        assertThat(query(db, "SELECT phase FROM tandem.migrations")).containsExactly("BACKFILLED");

        ageHeartbeats("2 minutes");
        assertThat(tandem("complete").exitCode())
                .as("seen two minutes ago is within the default soak time of ten")
                .isEqualTo(1);

        CliRun soaked = tandem("complete", "--soak", "1m");

        assertThat(soaked.exitCode()).as(soaked.err()).isZero();
        assertThat(soaked.out()).contains(ID + " is COMPLETE");
        assertThat(query(db, "SELECT forced FROM tandem.history WHERE to_phase = 'COMPLETE'"))
                .containsExactly("f");
    }

    @Test
    void shouldCompleteOnceTheLastHeartbeatOnTheOldShapeIsOlderThanTheSoakTime() throws Exception {
        heartbeat("customers-api", "pod-1", "both", "now() - interval '11 minutes'", 50, 0, 0, "[]");

        CliRun complete = tandem("complete");

        assertThat(complete.exitCode()).as(complete.err()).isZero();
    }

    @Test
    void shouldPassTheClientGateWhenForcedAndRecordWhy() throws Exception {
        heartbeat("customers-api", "pod-1", "both", "now()", 50, 0, 0, "[]");

        CliRun forced = tandem("complete", "--force", "--reason", "pod-1 is draining, INC-12");

        assertThat(forced.exitCode()).as(forced.err()).isZero();
        assertThat(forced.out()).contains("complete forced past: a client still uses the old shape");
        assertThat(query(db, "SELECT forced || ' ' || reason FROM tandem.history WHERE to_phase = 'COMPLETE'"))
                .containsExactly("true pod-1 is draining, INC-12");
        assertThat(tandem("history").out()).contains("(forced: pod-1 is draining, INC-12)");
    }

    private void heartbeat(
            String service,
            String instance,
            String side,
            String seenAt,
            Integer readsNew,
            long compared,
            long mismatched,
            String samples) {
        sql(
                db,
                "INSERT INTO tandem.heartbeats (service, instance, migration_id, side, reads_new, seen_at,"
                        + " shadow_compared, shadow_mismatched, shadow_samples) VALUES ('%s', '%s', '%s', '%s', %s, %s, %d, %d, '%s')"
                                .formatted(
                                        service,
                                        instance,
                                        ID,
                                        side,
                                        readsNew,
                                        seenAt,
                                        compared,
                                        mismatched,
                                        samples.strip()));
    }

    private void ageHeartbeats(String by) {
        sql(db, "UPDATE tandem.heartbeats SET seen_at = now() - interval '" + by + "'");
    }

    private CliRun tandem(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", db.jdbcUrl(), "--user", db.user()));
        return CliRun.of(all.toArray(String[]::new));
    }
}
