package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A start that failed and undid itself left nothing behind, so its file may be fixed and started
 * again; an applied migration, even one rolled back on purpose, may not change.
 */
@ExtendWith(PostgresExtension.class)
class StartAgainIT {
    private static final String BROKEN = """
              - add_column: { table: items, column: { name: doubled, type: int }, up: id * 2 }
              - sql: { up: "SELECT no_such_function()", down: "SELECT 1" }
            """;
    private static final String FIXED = """
              - add_column: { table: items, column: { name: doubled, type: int }, up: id * 2 }
            """;

    EmbeddedPostgres.Database database;
    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(database);
        db.exec("""
                CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);
                INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 500) g;
                """);
    }

    @Test
    void shouldStartAFixedFileAfterItsStartFailedAndRecordBothAttempts() {
        Migration broken = TestDb.migration("0001_doubled", BROKEN, null);
        assertThatThrownBy(() -> db.engine().start(broken)).isInstanceOf(TandemException.class);
        assertThat(db.engine().status("0001_doubled").orElseThrow().phase()).isEqualTo(Phase.ROLLED_BACK);

        Migration fixed = TestDb.migration("0001_doubled", FIXED, null);
        assertThat(fixed.checksum()).isNotEqualTo(broken.checksum());
        MigrationStatus status = db.engine().start(fixed);

        assertThat(status.phase()).isEqualTo(Phase.BACKFILLED);
        assertThat(status.checksum()).isEqualTo(fixed.checksum());
        assertThat(db.value("SELECT count(*) FROM items WHERE doubled IS DISTINCT FROM id * 2"))
                .isEqualTo("0");
        List<HistoryEntry> history = db.engine().history();
        assertThat(history)
                .extracting(e -> e.attempt() + " " + e.from() + "->" + e.to() + " " + e.reason())
                .containsExactly(
                        "1 null->PLANNED null",
                        "1 PLANNED->ROLLED_BACK start failed",
                        "2 null->PLANNED started again after a failed start",
                        "2 PLANNED->EXPANDED null",
                        "2 EXPANDED->BACKFILLED null");
        assertThat(history.subList(0, 2)).allMatch(e -> e.checksum().equals(broken.checksum()));
        assertThat(history.subList(2, 5)).allMatch(e -> e.checksum().equals(fixed.checksum()));
        assertThat(db.engine().complete(TransitionRequest.active()).phase()).isEqualTo(Phase.COMPLETE);
    }

    @Test
    void shouldStartTheSameFileAgainOnceWhatMadeItsStartFailIsFixed() {
        Migration m = TestDb.migration("0001_doubled", BROKEN, null);
        assertThatThrownBy(() -> db.engine().start(m)).isInstanceOf(TandemException.class);
        db.exec("CREATE FUNCTION no_such_function() RETURNS int LANGUAGE sql AS 'SELECT 1'");

        assertThat(db.engine().start(m).phase()).isEqualTo(Phase.BACKFILLED);
        assertThat(db.engine().history()).extracting(HistoryEntry::attempt).containsExactly(1, 1, 2, 2, 2);
    }

    @Test
    void shouldStillRefuseAChangedFileAfterADeliberateRollback() {
        Migration applied = TestDb.migration("0001_doubled", FIXED, null);
        db.engine().start(applied);
        db.engine().rollback(TransitionRequest.active());

        Migration changed = TestDb.migration("0001_doubled", """
                  - add_column: { table: items, column: { name: doubled, type: bigint }, up: id * 2 }
                """, null);

        assertThatThrownBy(() -> db.engine().start(changed)).isInstanceOfSatisfying(TandemException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.CHECKSUM_MISMATCH);
            assertThat(e.getMessage())
                    .contains("was applied from a file with checksum "
                            + applied.checksum().substring(0, 12))
                    .contains("An applied file must not change: put the change in a new migration");
        });
        assertThatThrownBy(() -> db.engine().start(applied))
                .isInstanceOfSatisfying(
                        TandemException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PHASE_INVALID));
    }

    @Test
    void shouldKeepOneActiveMigrationPerSchemaAndALinearHistoryWhenStartedAgain() {
        assertThatThrownBy(() -> db.engine().start(TestDb.migration("0001_doubled", BROKEN, null)))
                .isInstanceOf(TandemException.class);
        db.engine().start(TestDb.migration("0002_name_upper", """
                  - add_column: { table: items, column: { name: upper_name, type: text }, up: upper(name) }
                """, null));

        assertThatThrownBy(() -> db.engine().start(TestDb.migration("0001_doubled", FIXED, null)))
                .isInstanceOfSatisfying(
                        TandemException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MIGRATION_ACTIVE));

        db.engine().complete(TransitionRequest.active());
        db.engine().start(TestDb.migration("0001_doubled", FIXED, null));
        assertThat(db.engine().migrations())
                .extracting(s -> s.id() + " " + s.phase())
                .containsExactly("0002_name_upper COMPLETE", "0001_doubled BACKFILLED");
        assertThat(db.value("SELECT parent FROM tandem.migrations WHERE id = '0001_doubled'"))
                .isEqualTo("0002_name_upper");
    }
}
