package dev.tandem.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Phase;
import org.junit.jupiter.api.Test;

class MigrationStateTest {
    static MigrationState inStore(Phase phase, int readsNew, boolean shapeNew) {
        return new MigrationState("m", "public", phase, "public_m", false, null, readsNew, shapeNew, false);
    }

    static MigrationState move(Phase phase, int readsNew, boolean targetAuthoritative) {
        return new MigrationState(
                "m", "public", phase, "public_m", true, "billing", readsNew, false, targetAuthoritative);
    }

    @Test
    void shouldBoundReadsNewByThePhase() {
        for (boolean isMove : new boolean[] {false, true}) {
            for (Phase phase : Phase.values()) {
                MigrationState s = isMove ? move(phase, 40, false) : inStore(phase, 40, false);
                int expected =
                        switch (phase) {
                            case PLANNED, EXPANDED, ROLLED_BACK -> 0;
                            case BACKFILLED, VERIFIED, CUT_OVER -> 40;
                            case COMPLETE -> 100;
                        };
                assertThat(s.readsNewPercent())
                        .as("%s %s", isMove ? "move" : "in-store", phase)
                        .isEqualTo(expected);
            }
        }
    }

    @Test
    void shouldServeTheNewShapeOnlyWhileBothShapesExist() {
        assertThat(inStore(Phase.EXPANDED, 0, true).shapeNew()).isFalse();
        assertThat(inStore(Phase.BACKFILLED, 0, true).shapeNew()).isTrue();
        assertThat(inStore(Phase.BACKFILLED, 0, true).readsNewPercent()).isEqualTo(100);
        assertThat(inStore(Phase.CUT_OVER, 0, true).shapeNew()).isTrue();
        assertThat(inStore(Phase.COMPLETE, 0, true).shapeNew()).isFalse();
        assertThat(inStore(Phase.ROLLED_BACK, 0, true).shapeNew()).isFalse();
    }

    @Test
    void shouldWriteWhereTheMoveIsAuthoritative() {
        assertThat(move(Phase.VERIFIED, 0, false).writeSide()).isEqualTo(Side.OLD);
        assertThat(move(Phase.CUT_OVER, 0, true).writeSide()).isEqualTo(Side.NEW);
        assertThat(move(Phase.VERIFIED, 0, true).writeSide()).isEqualTo(Side.NEW);
        assertThat(move(Phase.COMPLETE, 0, false).writeSide()).isEqualTo(Side.NEW);
        assertThat(move(Phase.ROLLED_BACK, 0, true).writeSide()).isEqualTo(Side.OLD);
        assertThat(inStore(Phase.VERIFIED, 100, true).writeSide()).isEqualTo(Side.OLD);
        assertThat(inStore(Phase.CUT_OVER, 0, false).writeSide()).isEqualTo(Side.NEW);
    }

    @Test
    void shouldNameTheStageFromPhaseFlagsAndWrites() {
        assertThat(move(Phase.EXPANDED, 50, false).stage()).isEqualTo(Stage.OLD);
        assertThat(move(Phase.BACKFILLED, 0, false).stage()).isEqualTo(Stage.OLD);
        assertThat(move(Phase.BACKFILLED, 25, false).stage()).isEqualTo(Stage.READS_SPLIT);
        assertThat(move(Phase.VERIFIED, 100, false).stage()).isEqualTo(Stage.READS_NEW);
        assertThat(move(Phase.CUT_OVER, 100, true).stage()).isEqualTo(Stage.WRITES_NEW);
        assertThat(move(Phase.COMPLETE, 0, true).stage()).isEqualTo(Stage.COMPLETE);
        assertThat(move(Phase.ROLLED_BACK, 0, false).stage()).isEqualTo(Stage.ROLLED_BACK);
        assertThat(Stage.READS_SPLIT.wireName()).isEqualTo("reads-split");
        assertThat(MigrationState.unknown("x").stage()).isEqualTo(Stage.OLD);
    }

    @Test
    void shouldReportTheSideInUseInHeartbeats() {
        assertThat(move(Phase.BACKFILLED, 0, false).heartbeatSide()).isEqualTo("old");
        assertThat(move(Phase.BACKFILLED, 10, false).heartbeatSide()).isEqualTo("both");
        assertThat(move(Phase.CUT_OVER, 10, true).heartbeatSide()).isEqualTo("both");
        assertThat(move(Phase.CUT_OVER, 100, true).heartbeatSide()).isEqualTo("new");
        assertThat(inStore(Phase.BACKFILLED, 0, false).heartbeatSide()).isEqualTo("old");
        assertThat(inStore(Phase.BACKFILLED, 0, true).heartbeatSide()).isEqualTo("new");
        assertThat(inStore(Phase.COMPLETE, 0, false).heartbeatSide()).isEqualTo("new");
    }
}
