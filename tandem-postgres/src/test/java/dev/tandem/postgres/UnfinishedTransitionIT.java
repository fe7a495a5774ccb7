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
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A complete or rollback that stops part-way (here: a step cannot take its lock; the same state as a
 * process killed between steps) is shown as unfinished, with the one command that can finish it.
 */
@ExtendWith(PostgresExtension.class)
class UnfinishedTransitionIT {
    EmbeddedPostgres.Database database;
    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(database);
        db.exec("""
                CREATE TABLE a (id int PRIMARY KEY, v int NOT NULL);
                CREATE TABLE b (id int PRIMARY KEY, v int NOT NULL);
                INSERT INTO a SELECT g, g FROM generate_series(1, 100) g;
                INSERT INTO b SELECT g, g FROM generate_series(1, 100) g;
                """);
        db.engine().start(TestDb.migration("0001_twice", """
                  - add_column: { table: a, column: { name: w, type: int }, up: v * 2 }
                  - add_column: { table: b, column: { name: w, type: int }, up: v * 2 }
                """, null));
    }

    @Test
    void shouldShowACompleteThatStoppedPartWayAsUnfinishedUntilCompleteFinishesIt() throws Exception {
        stopPartWay(engine -> engine.complete(TransitionRequest.active()));

        MigrationStatus status = db.engine().status("0001_twice").orElseThrow();
        assertThat(status.phase()).isEqualTo(Phase.BACKFILLED);
        assertThat(status.unfinished()).isNotNull();
        assertThat(status.unfinished().command()).isEqualTo("complete");
        assertThat(status.unfinished().stepsDone())
                .isBetween(1, status.unfinished().stepsTotal() - 1);
        assertThat(db.engine().active()).containsExactly(status);
        assertThatThrownBy(() -> db.engine().rollback(TransitionRequest.active()))
                .isInstanceOfSatisfying(
                        TandemException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PHASE_INVALID));

        MigrationStatus done = db.engine().complete(TransitionRequest.active());
        assertThat(done.phase()).isEqualTo(Phase.COMPLETE);
        assertThat(done.unfinished()).isNull();
    }

    @Test
    void shouldShowARollbackThatStoppedPartWayAsUnfinishedUntilRollbackFinishesIt() throws Exception {
        stopPartWay(engine -> engine.rollback(TransitionRequest.active()));

        MigrationStatus status = db.engine().status("0001_twice").orElseThrow();
        assertThat(status.phase()).isEqualTo(Phase.BACKFILLED);
        assertThat(status.unfinished().command()).isEqualTo("rollback");
        assertThat(status.unfinished().stepsDone()).isPositive();

        assertThatThrownBy(() -> db.engine().complete(TransitionRequest.active()))
                .isInstanceOfSatisfying(TandemException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.PHASE_INVALID);
                    assertThat(e.getMessage()).contains("finish it with `tandem rollback`");
                });

        MigrationStatus done = db.engine().rollback(TransitionRequest.active());
        assertThat(done.phase()).isEqualTo(Phase.ROLLED_BACK);
        assertThat(done.unfinished()).isNull();
    }

    @Test
    void shouldFinishAForcedCompleteWithoutAskingForTheForceAgain() throws Exception {
        db.engine().rollback(TransitionRequest.active());
        db.engine().start(TestDb.migration("0002_drop_v", """
                  - drop_column: { table: a, column: v, down: "0" }
                  - drop_column: { table: b, column: v, down: "0" }
                """, """
                  - { field: a.v, sunset: 2999-01-01 }
                  - { field: b.v, sunset: 2999-01-01 }
                """));
        stopPartWay(engine -> engine.complete(new TransitionRequest(null, true, "the readers moved early")));

        // The gate was passed when complete began; finishing it does not ask again.
        MigrationStatus done = db.engine().complete(TransitionRequest.active());
        assertThat(done.phase()).isEqualTo(Phase.COMPLETE);
        assertThat(db.value("SELECT count(*) FROM information_schema.columns WHERE table_name IN ('a', 'b')"
                        + " AND column_name = 'v'"))
                .isEqualTo("0");
    }

    /** Runs the command while another session holds table b, so its steps on a run and those on b fail. */
    private void stopPartWay(Function<Engine, MigrationStatus> command) throws Exception {
        Engine impatient = db.engine(EngineOptions.builder()
                .lockTimeout(Duration.ofMillis(50))
                .maxAttempts(1)
                .build());
        try (Connection blocker = database.dataSource().getConnection()) {
            blocker.setAutoCommit(false);
            try (Statement s = blocker.createStatement()) {
                s.execute("LOCK TABLE b IN ACCESS EXCLUSIVE MODE");
            }
            assertThatThrownBy(() -> command.apply(impatient))
                    .isInstanceOfSatisfying(
                            TandemException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LOCK_TIMEOUT));
            blocker.rollback();
        }
    }
}
