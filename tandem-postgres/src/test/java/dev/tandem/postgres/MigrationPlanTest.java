package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.MigrationFiles;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import dev.tandem.postgres.MigrationPlan.Recorded;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a directory of files compares with the recorded history, without a database. */
class MigrationPlanTest {
    private static final Migration A = file("0001_a", "public", "a");
    private static final Migration B = file("0002_b", "public", "b");
    private static final Migration C = file("0003_c", "public", "c");

    @Test
    void shouldStartAndCompleteEveryFileOfAFreshDatabaseButLeaveTheLastStarted() {
        MigrationPlan plan = MigrationPlan.compare(List.of(A, B, C), List.of(), false);

        assertThat(plan.conflicts()).isEmpty();
        assertThat(plan.actions())
                .extracting(Object::toString)
                .containsExactly(
                        "[1/3] 0001_a: start",
                        "[1/3] 0001_a: complete",
                        "[2/3] 0002_b: start",
                        "[2/3] 0002_b: complete",
                        "[3/3] 0003_c: start");
        assertThat(plan.toStart()).containsExactly(A, B, C);
    }

    @Test
    void shouldCompleteTheLastToo() {
        MigrationPlan plan = MigrationPlan.compare(List.of(A), List.of(), true);

        assertThat(plan.actions())
                .extracting(Object::toString)
                .containsExactly("[1/1] 0001_a: start", "[1/1] 0001_a: complete");
    }

    @Test
    void shouldCompleteTheMigrationLeftStartedBeforeStartingTheNext() {
        MigrationPlan plan = MigrationPlan.compare(
                List.of(A, B, C), List.of(applied(A, Phase.COMPLETE), applied(B, Phase.BACKFILLED)), false);

        assertThat(plan.conflicts()).isEmpty();
        assertThat(plan.actions())
                .extracting(Object::toString)
                .containsExactly("[2/3] 0002_b: complete", "[3/3] 0003_c: start");
        assertThat(plan.entries())
                .extracting(MigrationPlan.Entry::phase)
                .containsExactly(Phase.COMPLETE, Phase.BACKFILLED, null);
    }

    @Test
    void shouldFinishTheBackfillOfAnInterruptedStart() {
        MigrationPlan plan = MigrationPlan.compare(List.of(A, B), List.of(applied(A, Phase.EXPANDED)), false);

        assertThat(plan.actions())
                .extracting(Object::toString)
                .containsExactly("[1/2] 0001_a: backfill", "[1/2] 0001_a: complete", "[2/2] 0002_b: start");
    }

    @Test
    void shouldHaveNothingToDoWhenEverythingIsApplied() {
        assertThat(MigrationPlan.compare(
                                List.of(A, B), List.of(applied(A, Phase.COMPLETE), applied(B, Phase.CUT_OVER)), false)
                        .actions())
                .isEmpty();
        assertThat(MigrationPlan.compare(
                                List.of(A, B), List.of(applied(A, Phase.COMPLETE), applied(B, Phase.COMPLETE)), true)
                        .actions())
                .isEmpty();
        assertThat(MigrationPlan.compare(List.of(), List.of(), true).actions()).isEmpty();
    }

    @Test
    void shouldFinishACompleteThatStoppedPartWayEvenOnTheLastFile() {
        Recorded stopped = new Recorded(
                B.id(),
                "public",
                Phase.BACKFILLED,
                B.checksum(),
                B.source(),
                false,
                new UnfinishedStage(Stage.COMPLETE, 1, 3));

        MigrationPlan plan = MigrationPlan.compare(List.of(A, B), List.of(applied(A, Phase.COMPLETE), stopped), false);

        assertThat(plan.actions()).extracting(Object::toString).containsExactly("[2/2] 0002_b: complete");
    }

    @Test
    void shouldStartAgainAMigrationWhoseStartFailedEvenFromAChangedFile() {
        Recorded failed = new Recorded(B.id(), "public", Phase.ROLLED_BACK, "0".repeat(64), B.source(), true, null);

        MigrationPlan plan = MigrationPlan.compare(List.of(A, B), List.of(applied(A, Phase.COMPLETE), failed), false);

        assertThat(plan.conflicts()).isEmpty();
        assertThat(plan.actions()).extracting(Object::toString).containsExactly("[2/2] 0002_b: start");
    }

    @Test
    void shouldListEveryDisagreementWithItsFileAndId() {
        Migration changedA = file("0001_a", "public", "a2");
        List<Recorded> history = List.of(
                applied(changedA, Phase.COMPLETE, A.checksum()),
                applied(file("0000_gone", "public", "g"), Phase.COMPLETE),
                applied(C, Phase.BACKFILLED));

        MigrationPlan plan = MigrationPlan.compare(List.of(changedA, B, C), history, true);

        assertThat(plan.conflicts())
                .extracting(Object::toString)
                .satisfiesExactly(
                        gone -> assertThat(gone)
                                .startsWith("0000_gone.yaml (0000_gone): is COMPLETE in the database, but no file"),
                        changed -> assertThat(changed)
                                .startsWith("0001_a.yaml (0001_a): was applied from a file with checksum "
                                        + A.checksum().substring(0, 12) + ", but the file now has "
                                        + changedA.checksum().substring(0, 12)),
                        early -> assertThat(early)
                                .startsWith(
                                        "0002_b.yaml (0002_b): is not applied, but sorts before 0003_c.yaml (0003_c)"));
        assertThatThrownBy(plan::requireNoConflicts).isInstanceOfSatisfying(TandemException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.HISTORY_MISMATCH);
            assertThat(e.code().exitCode()).isEqualTo(1);
            assertThat(e.getMessage()).contains("(3 problems); nothing was changed", "0000_gone", "0001_a", "0002_b");
        });
    }

    @Test
    void shouldRefuseFilesThatSortInAnotherOrderThanTheDatabaseAppliedThem() {
        MigrationPlan plan = MigrationPlan.compare(
                List.of(A, B, C), List.of(applied(B, Phase.COMPLETE), applied(A, Phase.COMPLETE)), false);

        assertThat(plan.conflicts())
                .extracting(Object::toString)
                .singleElement()
                .asString()
                .startsWith(
                        "0001_a.yaml (0001_a): sorts before 0002_b.yaml (0002_b), but the database applied it first");
    }

    @Test
    void shouldRefuseAnActiveMigrationThatNoFileHas() {
        MigrationPlan plan = MigrationPlan.compare(
                List.of(A, B),
                List.of(applied(A, Phase.COMPLETE), applied(file("0002_x", "public", "x"), Phase.BACKFILLED)),
                false);

        assertThat(plan.conflicts())
                .extracting(MigrationPlan.Conflict::migrationId)
                .containsExactly("0002_x");
        assertThat(plan.conflicts().getFirst().problem()).startsWith("is BACKFILLED in the database, but no file");
    }

    @Test
    void shouldRefuseAFileWhoseMigrationWasRolledBackAfterItStartedButNotOneWithoutAFile() {
        Recorded undone = new Recorded(B.id(), "public", Phase.ROLLED_BACK, B.checksum(), B.source(), false, null);
        Recorded undoneGone =
                new Recorded("0002_old", "public", Phase.ROLLED_BACK, "f".repeat(64), "0002_old.yaml", false, null);

        assertThat(MigrationPlan.compare(List.of(A, B), List.of(applied(A, Phase.COMPLETE), undone), false)
                        .conflicts())
                .extracting(MigrationPlan.Conflict::problem)
                .singleElement()
                .asString()
                .contains("rolled back after it had started", "never starts an id twice");
        assertThat(MigrationPlan.compare(List.of(A, C), List.of(applied(A, Phase.COMPLETE), undoneGone), false)
                        .conflicts())
                .isEmpty();
    }

    @Test
    void shouldRefuseAMigrationWhoseStartOrRollbackStoppedPartWay() {
        Recorded planned = applied(B, Phase.PLANNED);
        Recorded rollingBack = new Recorded(
                B.id(),
                "public",
                Phase.BACKFILLED,
                B.checksum(),
                B.source(),
                false,
                new UnfinishedStage(Stage.ROLLBACK, 2, 5));

        assertThat(MigrationPlan.compare(List.of(A, B), List.of(applied(A, Phase.COMPLETE), planned), false)
                        .conflicts())
                .extracting(MigrationPlan.Conflict::problem)
                .singleElement()
                .asString()
                .contains("its start did not finish", "tandem rollback --migration 0002_b");
        assertThat(MigrationPlan.compare(List.of(A, B), List.of(applied(A, Phase.COMPLETE), rollingBack), false)
                        .conflicts())
                .extracting(MigrationPlan.Conflict::problem)
                .singleElement()
                .asString()
                .contains("a rollback of it stopped part-way");
    }

    @Test
    void shouldCompareOnlyTheSchemasTheFilesAreOn() {
        Migration billing = file("0001_invoices", "billing", "i");
        List<Recorded> history = new ArrayList<>(List.of(
                applied(billing, Phase.COMPLETE), applied(file("0002_cents", "billing", "c"), Phase.BACKFILLED)));

        MigrationPlan plan = MigrationPlan.compare(List.of(A, B), history, false);

        assertThat(plan.conflicts()).isEmpty();
        assertThat(plan.actions())
                .extracting(Object::toString)
                .containsExactly("[1/2] 0001_a: start", "[1/2] 0001_a: complete", "[2/2] 0002_b: start");
        assertThat(plan.notes())
                .containsExactly(
                        "not compared: 2 migrations recorded on schema billing, which no file in the directory is on");
        assertThat(MigrationPlan.compare(List.of(), history, false).notes()).hasSize(1);
    }

    @Test
    void shouldApplyFilesOnTwoSchemasInOneOrder() {
        Migration billing = file("0002_invoices", "billing", "i");

        MigrationPlan plan = MigrationPlan.compare(
                List.of(A, billing, C), List.of(applied(A, Phase.COMPLETE), applied(billing, Phase.BACKFILLED)), false);

        assertThat(plan.conflicts()).isEmpty();
        assertThat(plan.actions())
                .extracting(Object::toString)
                .containsExactly("[2/3] 0002_invoices: complete", "[3/3] 0003_c: start");
    }

    private static Migration file(String id, String schema, String column) {
        return MigrationFiles.parse(id + ".yaml", """
                service: test
                owner: team
                rationale: test
                schema: %s
                operations:
                  - add_column: { table: items, column: { name: %s, type: text } }
                """.formatted(schema, column));
    }

    private static Recorded applied(Migration m, Phase phase) {
        return applied(m, phase, m.checksum());
    }

    private static Recorded applied(Migration m, Phase phase, String checksum) {
        return new Recorded(m.id(), m.schema(), phase, checksum, m.source(), false, null);
    }
}
