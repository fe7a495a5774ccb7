package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.MigrationFiles;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The migrator reads the history as the engine wrote it, and applies through the engine. */
@ExtendWith(PostgresExtension.class)
class MigratorIT {
    private static final Migration DOUBLED = migration("0001_doubled", "public", "doubled", "id * 2");
    private static final Migration TRIPLED = migration("0002_tripled", "public", "tripled", "id * 3");

    EmbeddedPostgres.Database database;
    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(database);
        db.exec("""
                CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);
                INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 300) g;
                """);
    }

    @Test
    void shouldApplyEachInOrderAndCompleteEachBeforeTheNextStarts() {
        Migrator migrator = Migrator.create(database.dataSource(), EngineOptions.defaults());
        List<String> seen = new ArrayList<>();
        Migrator.Listener listener = new Migrator.Listener() {
            @Override
            public void finished(MigrationPlan.Action action, MigrationStatus status) {
                seen.add(action + " -> " + status.phase());
            }
        };

        MigrationStatus last = migrator.run(
                        migrator.plan(List.of(DOUBLED, TRIPLED), true), TransitionRequest.active(), listener)
                .orElseThrow();

        assertThat(seen)
                .containsExactly(
                        "[1/2] 0001_doubled: start -> BACKFILLED",
                        "[1/2] 0001_doubled: complete -> COMPLETE",
                        "[2/2] 0002_tripled: start -> BACKFILLED",
                        "[2/2] 0002_tripled: complete -> COMPLETE");
        assertThat(last.id()).isEqualTo("0002_tripled");
        assertThat(db.value("SELECT count(*) FROM items WHERE doubled = id * 2 AND tripled = id * 3"))
                .isEqualTo("300");
        assertThat(migrator.plan(List.of(DOUBLED, TRIPLED), true).actions()).isEmpty();
    }

    @Test
    void shouldRefuseAFileWhoseMigrationWasRolledBackAfterItStartedAndChangeNothing() {
        Engine engine = db.engine();
        engine.start(DOUBLED);
        engine.rollback(TransitionRequest.active());
        List<HistoryEntry> before = engine.history();
        Migrator migrator = Migrator.create(database.dataSource(), EngineOptions.defaults());

        MigrationPlan plan = migrator.plan(List.of(DOUBLED, TRIPLED), false);

        assertThat(plan.conflicts())
                .extracting(MigrationPlan.Conflict::migrationId)
                .containsExactly("0001_doubled");
        assertThatThrownBy(() -> migrator.run(plan, TransitionRequest.active(), new Migrator.Listener() {}))
                .isInstanceOfSatisfying(
                        TandemException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.HISTORY_MISMATCH));
        assertThat(engine.history()).isEqualTo(before);
        // Without its file, a rolled-back migration left nothing to disagree with.
        assertThat(migrator.plan(List.of(TRIPLED), false).conflicts()).isEmpty();
    }

    @Test
    void shouldLeaveMigrationsOnAnotherSchemaAloneAndUncompared() {
        db.exec("""
                CREATE SCHEMA billing;
                CREATE TABLE billing.items (id int PRIMARY KEY, name text NOT NULL);
                INSERT INTO billing.items SELECT g, 'b' || g FROM generate_series(1, 10) g;
                """);
        db.engine().start(migration("0001_billing_doubled", "billing", "doubled", "id * 2"));
        Migrator migrator = Migrator.create(database.dataSource(), EngineOptions.defaults());

        MigrationPlan plan = migrator.plan(List.of(DOUBLED), false);
        migrator.run(plan, TransitionRequest.active(), new Migrator.Listener() {});

        assertThat(plan.notes()).singleElement().asString().contains("1 migration recorded on schema billing");
        assertThat(db.engine().active())
                .extracting(s -> s.id() + " " + s.phase())
                .containsExactly("0001_billing_doubled BACKFILLED", "0001_doubled BACKFILLED");
        assertThat(db.engine().status("0001_doubled").orElseThrow().phase()).isEqualTo(Phase.BACKFILLED);
    }

    private static Migration migration(String id, String schema, String column, String up) {
        return MigrationFiles.parse(id + ".yaml", """
                service: test
                owner: team
                rationale: test
                schema: %s
                operations:
                  - add_column: { table: items, column: { name: %s, type: int }, up: %s }
                """.formatted(schema, column, up));
    }
}
