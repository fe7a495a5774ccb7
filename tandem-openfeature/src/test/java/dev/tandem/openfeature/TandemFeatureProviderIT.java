package dev.tandem.openfeature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openfeature.sdk.Client;
import dev.openfeature.sdk.ErrorCode;
import dev.openfeature.sdk.EventDetails;
import dev.openfeature.sdk.FlagEvaluationDetails;
import dev.openfeature.sdk.OpenFeatureAPI;
import dev.openfeature.sdk.Reason;
import dev.tandem.client.Tandem;
import dev.tandem.core.MigrationFiles;
import dev.tandem.core.TandemException;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.postgres.FlagRequest;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The provider over a real store: an OpenFeature client reads each migration's stage and reads-new
 * share, and sees a change made with tandem (the engine, or SQL and NOTIFY as any tool may) within a
 * second, with its change event.
 */
@ExtendWith(PostgresExtension.class)
class TandemFeatureProviderIT {
    private static final String ID = "0001_add_nickname";
    private static final String READS_NEW = ID + ".reads-new";
    private static final Duration WITHIN = Duration.ofSeconds(1);

    EmbeddedPostgres.Database database;
    Engine engine;
    Tandem tandem;
    Client client;
    String domain;
    final BlockingQueue<EventDetails> changes = new LinkedBlockingQueue<>();

    @BeforeEach
    void backfilledMigrationAndAProvider() throws Exception {
        try (Connection c = database.dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute("""
                    CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
                    INSERT INTO customers SELECT g, 'Ada ' || g FROM generate_series(1, 100) g;
                    """);
        }
        engine = Engine.create(database.dataSource(), EngineOptions.defaults());
        engine.start(MigrationFiles.parse(ID + ".yaml", """
                id: 0001_add_nickname
                service: customers
                owner: team-crm
                rationale: Greetings use a nickname
                operations:
                  - add_column: { table: customers, column: { name: nickname, type: text }, up: name }
                """));
        tandem = Tandem.connect()
                .service("customers")
                .dataSource(database.dataSource())
                .build();
        // One domain per test: the OpenFeature API is a singleton shared by the whole JVM.
        domain = "tandem-it-" + database.name();
        OpenFeatureAPI.getInstance()
                .setProviderAndWait(
                        domain,
                        TandemFeatureProvider.builder(tandem).migration(ID).build());
        client = OpenFeatureAPI.getInstance().getClient(domain);
        client.onProviderConfigurationChanged(changes::add);
    }

    @AfterEach
    void close() {
        tandem.close();
    }

    @Test
    void shouldServeTheStageAndTheReadsNewShareAndFollowAFlagChangeWithinASecond() throws Exception {
        assertThat(client.getStringValue(ID, "unknown")).isEqualTo("old");
        assertThat(client.getIntegerValue(READS_NEW, -1)).isZero();
        FlagEvaluationDetails<String> details = client.getStringDetails(ID, "unknown");
        assertThat(details.getReason()).isEqualTo(Reason.STATIC.name());
        assertThat(details.getFlagMetadata().getString("phase")).isEqualTo("BACKFILLED");

        long began = System.nanoTime();
        engine.flag(FlagRequest.readsNew(ID, 25));

        EventDetails change = changes.poll(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(change).as("a change event within a second").isNotNull();
        assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(WITHIN);
        assertThat(change.getFlagsChanged()).containsExactlyInAnyOrder(ID, READS_NEW);
        assertThat(client.getStringValue(ID, "unknown")).isEqualTo("reads-split");
        assertThat(client.getIntegerValue(READS_NEW, -1)).isEqualTo(25);
    }

    @Test
    void shouldFollowAChangeMadeWithSqlAndNotify() throws Exception {
        try (Connection c = database.dataSource().getConnection();
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("INSERT INTO tandem.flags (migration_id, reads_new, shape, updated_by)" + " VALUES ('" + ID
                    + "', 100, 'old', 'it')");
            s.execute("SELECT pg_notify('tandem_state', '" + ID + "')");
            c.commit();
        }

        EventDetails change = changes.poll(WITHIN.toMillis(), TimeUnit.MILLISECONDS);

        assertThat(change).as("a change event within a second").isNotNull();
        assertThat(change.getFlagsChanged()).containsExactlyInAnyOrder(ID, READS_NEW);
        assertThat(client.getStringValue(ID, "unknown")).isEqualTo("reads-new");
        assertThat(client.getIntegerValue(READS_NEW, -1)).isEqualTo(100);
    }

    @Test
    void shouldAnswerAnUnknownFlagOrAWrongTypeWithTheDefaultAndItsErrorCode() {
        FlagEvaluationDetails<String> unknown = client.getStringDetails("0002_not_served", "fallback");
        assertThat(unknown.getValue()).isEqualTo("fallback");
        assertThat(unknown.getErrorCode()).isEqualTo(ErrorCode.FLAG_NOT_FOUND);
        assertThat(unknown.getErrorMessage()).contains("tandem has no flag 0002_not_served");

        FlagEvaluationDetails<Integer> stageAsInteger = client.getIntegerDetails(ID, 7);
        assertThat(stageAsInteger.getValue()).isEqualTo(7);
        assertThat(stageAsInteger.getErrorCode()).isEqualTo(ErrorCode.TYPE_MISMATCH);

        FlagEvaluationDetails<String> shareAsString = client.getStringDetails(READS_NEW, "fallback");
        assertThat(shareAsString.getValue()).isEqualTo("fallback");
        assertThat(shareAsString.getErrorCode()).isEqualTo(ErrorCode.TYPE_MISMATCH);

        FlagEvaluationDetails<Boolean> stageAsBoolean = client.getBooleanDetails(ID, true);
        assertThat(stageAsBoolean.getValue()).isTrue();
        assertThat(stageAsBoolean.getErrorCode()).isEqualTo(ErrorCode.TYPE_MISMATCH);
    }

    @Test
    void shouldRefuseToBuildWithoutAMigrationOrWithAnIdThatIsNotOne() {
        assertThatThrownBy(() -> TandemFeatureProvider.builder(tandem).build())
                .isInstanceOf(TandemException.class)
                .hasMessageContaining("name at least one migration");
        assertThatThrownBy(() -> TandemFeatureProvider.builder(tandem)
                        .migration("0001 Bad")
                        .migration(ID)
                        .migration("x.reads-new")
                        .build())
                .isInstanceOf(TandemException.class)
                .hasMessageContaining("0001 Bad, x.reads-new");
    }
}
