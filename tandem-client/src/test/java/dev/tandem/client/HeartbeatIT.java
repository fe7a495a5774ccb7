package dev.tandem.client;

import static dev.tandem.client.ClientFixture.SPLIT;
import static dev.tandem.client.ClientFixture.await;
import static dev.tandem.client.ClientFixture.flag;
import static dev.tandem.client.ClientFixture.rows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Each instance records the side it uses, refreshed every interval, so that status and complete can see it. */
@ExtendWith(PostgresExtension.class)
class HeartbeatIT {
    EmbeddedPostgres.Database db;

    List<String> heartbeat(String instance) {
        try {
            List<List<String>> r = rows(
                    db.dataSource(),
                    "SELECT side, reads_new::text, seen_at::text, shadow_compared::text, shadow_samples::text"
                            + " FROM tandem.heartbeats WHERE service = 'customers' AND instance = '" + instance
                            + "' AND migration_id = '" + SPLIT + "'");
            return r.isEmpty() ? null : r.getFirst();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void shouldRecordAndRefreshTheSideEachInstanceUses() throws Exception {
        ClientFixture.startSplit(db.dataSource());
        try (Tandem a = ClientFixture.client(db.dataSource()).instance("a").build();
                Tandem b = ClientFixture.client(db.dataSource()).instance("b").build()) {
            a.migration(SPLIT);
            b.migration(SPLIT);
            await("both instances report the old side", Duration.ofSeconds(5), () -> {
                List<String> ha = heartbeat("a");
                List<String> hb = heartbeat("b");
                return ha != null
                        && hb != null
                        && ha.get(0).equals("old")
                        && hb.get(0).equals("old");
            });
            String seen = heartbeat("a").get(2);
            await("a's heartbeat is refreshed", Duration.ofSeconds(5), () -> !heartbeat("a")
                    .get(2)
                    .equals(seen));

            flag(db.dataSource(), SPLIT, 30, "old");
            await("the split reads are reported", Duration.ofSeconds(5), () -> heartbeat("b")
                    .subList(0, 2)
                    .equals(List.of("both", "30")));

            flag(db.dataSource(), SPLIT, 0, "new");
            await(
                    "the new shape is reported",
                    Duration.ofSeconds(5),
                    () -> heartbeat("a").subList(0, 2).equals(List.of("new", "100"))
                            && heartbeat("b").subList(0, 2).equals(List.of("new", "100")));
        }
    }

    @Test
    void shouldReportShadowCountsAndSamples() throws Exception {
        ClientFixture.startSplit(db.dataSource());
        try (Tandem a = ClientFixture.client(db.dataSource()).instance("a").build()) {
            MigrationHandle handle = a.migration(SPLIT);
            handle.shadowReads(ShadowReads.builder()
                    .sampleRate(1)
                    .comparator((o, n) -> List.of(new FieldDiff("answer", String.valueOf(o), String.valueOf(n))))
                    .build());
            String result = handle.read("key-9", c -> "old", c -> "new");
            assertThat(result).isEqualTo("old");
            await("the comparison is reported", Duration.ofSeconds(5), () -> "1"
                    .equals(heartbeat("a").get(3)));
            assertThat(heartbeat("a").get(4))
                    .contains("\"key\": \"key-9\"")
                    .contains("\"field\": \"answer\"")
                    .contains("\"old\": \"old\"")
                    .contains("\"new\": \"new\"");
            assertThat(Map.of()).isEmpty();
        }
    }
}
