package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/** {@link Engine#flag}: bounded by the phase, recorded, announced within a second, and all or nothing. */
@ExtendWith(PostgresExtension.class)
class RuntimeFlagsIT {
    private static final String ID = "0001_doubled";
    private static final String OPERATIONS = """
              - add_column: { table: items, column: { name: doubled, type: int }, up: id * 2 }
            """;

    EmbeddedPostgres.Database database;
    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(database);
        db.exec("""
                CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);
                INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 100) g;
                """);
    }

    @Test
    void shouldRefuseReadsOnTheNewSideBeforeBackfilledAndChangeNothing() {
        Engine engine = db.engine(EngineOptions.builder().backfill(false).build());
        engine.start(TestDb.migration(ID, OPERATIONS, null));

        assertThatThrownBy(() -> engine.flag(FlagRequest.shape(null, Shape.NEW)))
                .isInstanceOf(TandemException.class)
                .hasMessageContaining("only from BACKFILLED on")
                .extracting(e -> ((TandemException) e).code())
                .isEqualTo(ErrorCode.FLAG_REFUSED);
        assertThat(db.value("SELECT count(*) FROM tandem.flags")).isEqualTo("0");
        assertThat(engine.clients(ID).flags()).isEqualTo(MigrationFlags.defaults(ID));
    }

    @Test
    void shouldAnnounceAFlagChangeWithinASecondAndRecordWhoMadeIt() throws Exception {
        Engine engine = db.engine(EngineOptions.builder().actor("alice").build());
        engine.start(TestDb.migration(ID, OPERATIONS, null));

        try (Connection listener = database.dataSource().getConnection()) {
            try (Statement s = listener.createStatement()) {
                s.execute("LISTEN " + ClientState.CHANNEL);
            }
            long began = System.nanoTime();

            FlagChange change = engine.flag(FlagRequest.readsNew(null, 40));

            PGNotification[] received = listener.unwrap(PGConnection.class).getNotifications(1_000);
            assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(1));
            assertThat(received).extracting(PGNotification::getParameter).containsExactly(ID);
            assertThat(change.changed()).isTrue();
            assertThat(change.phase()).isEqualTo(Phase.BACKFILLED);
            assertThat(change.before().readsNewPercent()).isZero();
            assertThat(change.after().readsNewPercent()).isEqualTo(40);
            assertThat(change.after().updatedBy()).isEqualTo("alice");
        }
        HistoryEntry last = engine.history().getLast();
        assertThat(last.kind()).isEqualTo(HistoryEntry.Kind.FLAGS);
        assertThat(last.from()).isEqualTo(Phase.BACKFILLED);
        assertThat(last.to()).isEqualTo(Phase.BACKFILLED);
        assertThat(last.detail()).isEqualTo("reads-new 0% -> 40%, shape old");
        assertThat(last.actor()).isEqualTo("alice");
        assertThat(engine.history())
                .extracting(HistoryEntry::attempt)
                .as("a flag change is not a new attempt")
                .containsOnly(1);
    }

    @Test
    void shouldAddTheFlagTablesAndHistoryColumnsToAStateSchemaMadeBeforeThem() {
        Engine engine = db.engine();
        engine.start(TestDb.migration(ID, OPERATIONS, null));
        db.exec("""
                DROP TABLE tandem.flags, tandem.heartbeats;
                ALTER TABLE tandem.history DROP COLUMN event, DROP COLUMN detail;
                """);
        assertThat(engine.history()).extracting(HistoryEntry::kind).containsOnly(HistoryEntry.Kind.PHASE);
        assertThat(engine.clients(ID).clients()).isEmpty();

        engine.flag(new FlagRequest(ID, 10, Shape.NEW));

        assertThat(engine.clients(ID).flags().describe()).isEqualTo("reads-new 10%, shape new");
        assertThat(engine.history())
                .extracting(e -> e.kind() + " " + e.detail())
                .containsExactly(
                        "PHASE null", "PHASE null", "PHASE null", "FLAGS reads-new 0% -> 10%, shape old -> new");
    }

    @Test
    void shouldRefuseFlagsOnceTheMigrationIsFinished() {
        Engine engine = db.engine();
        engine.start(TestDb.migration(ID, OPERATIONS, null));
        engine.rollback(TransitionRequest.active());

        assertThatThrownBy(() -> engine.flag(FlagRequest.readsNew(ID, 0)))
                .isInstanceOf(TandemException.class)
                .hasMessageContaining(ID + " is ROLLED_BACK: it is finished");
        assertThat(engine.history()).extracting(HistoryEntry::kind).doesNotContain(HistoryEntry.Kind.FLAGS);
    }

    @Test
    void shouldRejectAShareOutsideZeroToOneHundredBeforeReadingAnything() {
        assertThatThrownBy(() -> FlagRequest.readsNew(ID, 150))
                .isInstanceOf(TandemException.class)
                .hasMessageContaining("from 0 to 100 percent; got 150%");
        assertThatThrownBy(() -> new FlagRequest(ID, null, null))
                .isInstanceOf(TandemException.class)
                .hasMessageContaining("nothing to change");
        assertThat(List.of(Shape.parse("NEW"), Shape.parse(" old "))).containsExactly(Shape.NEW, Shape.OLD);
    }
}
