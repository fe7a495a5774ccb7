package dev.tandem.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.MigrationFiles;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.relay.MoveHook;
import dev.tandem.testkit.EmbeddedPostgres;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A move whose key changes type on the way (an integer on the source, a numeric with a scale on the
 * target, whose text differs: 42 against 42.00): drift is named by the key as the relay names it, and
 * repair writes it through the relay.
 */
class VerifyKeyTypesIT {
    @Test
    void shouldNameAndRepairDriftByTheRelaysKeyWhenTheKeyChangesType() {
        EmbeddedPostgres.Database target = EmbeddedPostgres.newDatabase();
        Verifier verifier = move("id int PRIMARY KEY", target, "id numeric(10, 2) PRIMARY KEY");
        Verification clean = verifier.verify(null);
        assertThat(clean.passed()).as(clean.toString()).isTrue();
        assertThat(clean.suspectsCleared()).isZero();

        MoveFixture.exec(target.dataSource(), "UPDATE parts SET label = 'drifted' WHERE id = 42");
        Verification found = verifier.verify(null);
        assertThat(found.drift()).singleElement().satisfies(d -> {
            assertThat(d.key()).isEqualTo("(42)");
            assertThat(d.kind()).isEqualTo(Drift.Kind.CHANGED);
        });
        assertThat(verifier.repair(null, false).after().passed()).isTrue();
        assertThat(MoveFixture.rows(target.dataSource(), "SELECT label FROM parts WHERE id = 42"))
                .containsExactly("p42");
    }

    /** A started move of {@code parts} (5,000 rows) keyed as given on each side, and a verifier of it. */
    private static Verifier move(String sourceKey, EmbeddedPostgres.Database target, String targetKey) {
        EmbeddedPostgres.Database source = EmbeddedPostgres.newDatabase();
        MoveFixture.exec(
                source.dataSource(),
                "CREATE TABLE parts (" + sourceKey + ", label text);"
                        + " INSERT INTO parts SELECT g, 'p' || g FROM generate_series(1, 5000) g; ANALYZE parts");
        MoveFixture.exec(target.dataSource(), "CREATE TABLE parts (" + targetKey + ", label text)");
        Engine engine = Engine.create(
                source.dataSource(),
                EngineOptions.builder()
                        .hook(MoveHook.builder(source.dataSource())
                                .stores(Map.of("other", target.dataSource()))
                                .build())
                        .build());
        engine.start(MigrationFiles.parse("0003_parts.yaml", """
                id: 0003_parts
                service: parts
                owner: team-parts
                rationale: parts move to the catalog
                operations:
                  - move_table:
                      table: parts
                      key: [id]
                      to: { store: other, table: parts }
                      columns: { id: id, label: label }
                """));
        Verifier verifier = Verifier.builder(source.dataSource())
                .stores(Map.of("other", target.dataSource()))
                .lagBound(Duration.ofSeconds(2))
                .build();
        return verifier;
    }

    @Test
    void shouldTakeASerialKeyAsTheIntegerItIs() {
        Verification clean = move("id bigserial PRIMARY KEY", EmbeddedPostgres.newDatabase(), "id bigint PRIMARY KEY")
                .verify(null);
        assertThat(clean.passed()).as(clean.toString()).isTrue();
        assertThat(clean.suspectsCleared()).isZero();
    }
}
