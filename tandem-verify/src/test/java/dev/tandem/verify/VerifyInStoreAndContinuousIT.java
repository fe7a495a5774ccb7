package dev.tandem.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.tandem.core.MigrationFiles;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.testkit.EmbeddedPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Verification within one store: a row whose new column no longer equals its {@code up} is found with
 * its key and repaired by running {@code up} again. Continuous mode exports the figures of each pass
 * and calls the webhook when drift exceeds {@code max_drift_rows}.
 */
class VerifyInStoreAndContinuousIT {
    @Test
    void shouldFindAndRepairANewColumnThatNoLongerEqualsItsUp() {
        EmbeddedPostgres.Database db = EmbeddedPostgres.newDatabase();
        MoveFixture.exec(
                db.dataSource(),
                "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);"
                        + " INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 25000) g; ANALYZE items");
        Engine engine = Engine.create(db.dataSource(), EngineOptions.builder().build());
        engine.start(MigrationFiles.parse("0002_label.yaml", """
                id: 0002_label
                service: items
                owner: team-items
                rationale: labels are shown upper case
                operations:
                  - add_column:
                      table: items
                      column: { name: label, type: text, nullable: false }
                      up: upper(name)
                verify:
                  max_drift_rows: 0
                """));
        Verifier verifier = Verifier.builder(db.dataSource()).build();
        Verification clean = verifier.verify(null);
        assertThat(clean.passed()).as(clean.toString()).isTrue();
        assertThat(clean.rows()).isEqualTo(25_000);

        // A writer that bypasses the triggers (replica mode with the triggers disabled) leaves drift.
        MoveFixture.exec(
                db.dataSource(),
                "ALTER TABLE items DISABLE TRIGGER ALL;"
                        + " UPDATE items SET label = 'wrong' WHERE id = 777; ALTER TABLE items ENABLE TRIGGER ALL");
        Verification found = verifier.verify(null);
        assertThat(found.passed()).isFalse();
        assertThat(found.drift()).singleElement().satisfies(d -> {
            assertThat(d.key()).isEqualTo("(777)");
            assertThat(d.fields()).containsExactly(new Drift.FieldDiff("label", "ITEM 777", "wrong"));
        });
        Repair repair = verifier.repair(null, false);
        assertThat(repair.after().passed()).isTrue();
        assertThat(MoveFixture.rows(db.dataSource(), "SELECT label FROM items WHERE id = 777"))
                .containsExactly("ITEM 777");
    }

    @Test
    void shouldExportEachPassAndCallTheWebhookPastTheThreshold() throws Exception {
        MoveFixture f = new MoveFixture(MoveFixture.KeyKind.INT);
        List<String> posted = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/drift", exchange -> {
            posted.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        try {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            ContinuousVerifier continuous = new ContinuousVerifier(
                    f.verifier(),
                    f.source.dataSource(),
                    null,
                    Duration.ofMillis(100),
                    Duration.ofHours(1),
                    registry,
                    URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/drift"),
                    v -> {});
            ContinuousVerifier.Pass sweep = continuous.pass();
            assertThat(sweep.sweep()).isTrue();
            assertThat(sweep.passed()).isTrue();
            assertThat(posted).isEmpty();
            // Key 42 changes through the relay, then drifts on the target behind its back; key 43 only changes.
            MoveFixture.exec(f.source.dataSource(), "UPDATE items SET amount = 1 WHERE k IN (42, 43)");
            f.drain();
            MoveFixture.exec(f.target.dataSource(), "UPDATE items_new SET name = 'drifted' WHERE k = 42");
            ContinuousVerifier.Pass v = continuous.pass();
            assertThat(v.sweep()).isFalse();
            assertThat(v.rows())
                    .as("the keys re-read: those the relay applied since the sweep")
                    .isEqualTo(2);
            assertThat(v.driftRows()).isEqualTo(1);
            assertThat(v.drift()).extracting(Drift::key).containsExactly("(42)");
            assertThat(registry.get("tandem.verify.drift.rows").gauge().value()).isEqualTo(1.0);
            assertThat(registry.get("tandem.verify.reconciliation.rate").gauge().value())
                    .isEqualTo(0.5);
            assertThat(registry.get("tandem.verify.mismatches")
                            .tag("source", "verify")
                            .counter()
                            .count())
                    .isEqualTo(1.0);
            assertThat(registry.get("tandem.verify.rows.per.second").gauge().value())
                    .isPositive();
            assertThat(posted).singleElement().satisfies(body -> assertThat(body)
                    .contains(
                            "\"migration\":\"0001_move_items\"",
                            "\"drift_rows\":1",
                            "\"sweep\":false",
                            "\"keys\":[\"(42)\"]"));
        } finally {
            server.stop(0);
        }
    }
}
