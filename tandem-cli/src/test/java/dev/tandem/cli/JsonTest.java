package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.core.Phase;
import dev.tandem.postgres.BackfillProgress;
import dev.tandem.postgres.HistoryEntry;
import dev.tandem.postgres.MigrationStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Instant AT = Instant.parse("2025-11-25T12:00:00Z");

    @Test
    void shouldWriteAStatusWithItsBackfill() throws Exception {
        MigrationStatus status = new MigrationStatus(
                "0001_split",
                "public",
                "public_0001_split",
                Phase.EXPANDED,
                "abc",
                AT,
                AT.plusSeconds(5),
                new BackfillProgress("customers", 10, 20, 5.5, Duration.ofSeconds(2), BackfillProgress.State.RUNNING),
                null,
                null,
                null);

        JsonNode json = MAPPER.readTree(write(out -> Json.status(status, out)));

        assertThat(json.get("id").asText()).isEqualTo("0001_split");
        assertThat(json.get("phase").asText()).isEqualTo("EXPANDED");
        assertThat(json.get("active").asBoolean()).isTrue();
        assertThat(json.get("versionSchema").asText()).isEqualTo("public_0001_split");
        assertThat(json.get("createdAt").asText()).isEqualTo("2025-11-25T12:00:00Z");
        assertThat(json.at("/backfill/rowsDone").asLong()).isEqualTo(10);
        assertThat(json.at("/backfill/state").asText()).isEqualTo("RUNNING");
        assertThat(json.at("/backfill/etaSeconds").asLong()).isEqualTo(2);
    }

    @Test
    void shouldWriteNullWhenThereIsNoMigration() throws Exception {
        assertThat(MAPPER.readTree(write(out -> Json.status(null, out))).isNull())
                .isTrue();
    }

    @Test
    void shouldWriteTheHistoryAsAnArrayWithNullsForWhatIsAbsent() throws Exception {
        List<HistoryEntry> history = List.of(
                new HistoryEntry(1, "0001_split", "public", null, Phase.EXPANDED, AT, false, null, "ci", 1, "abc"),
                new HistoryEntry(
                        2,
                        "0001_split",
                        "public",
                        Phase.EXPANDED,
                        Phase.COMPLETE,
                        AT,
                        true,
                        "say \"why\"",
                        "ci",
                        2,
                        "def"));

        JsonNode json = MAPPER.readTree(write(out -> Json.history(history, out)));

        assertThat(json.isArray()).isTrue();
        assertThat(json.get(0).get("from").isNull()).isTrue();
        assertThat(json.get(0).get("to").asText()).isEqualTo("EXPANDED");
        assertThat(json.get(1).get("forced").asBoolean()).isTrue();
        assertThat(json.get(1).get("reason").asText()).isEqualTo("say \"why\"");
        assertThat(json.get(1).get("attempt").asInt()).isEqualTo(2);
        assertThat(json.get(1).get("checksum").asText()).isEqualTo("def");
    }

    private static String write(java.util.function.Consumer<PrintWriter> body) {
        StringWriter text = new StringWriter();
        body.accept(new PrintWriter(text));
        return text.toString();
    }
}
