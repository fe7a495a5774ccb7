package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Phase;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** Which flag changes each phase allows: the bound DESIGN.md sets, in one table. */
class FlagRefusalTest {
    private static final String ID = "0001_x";
    private static final FlagRequest SOME_READS_NEW = FlagRequest.readsNew(ID, 10);
    private static final FlagRequest NO_READS_NEW = FlagRequest.readsNew(ID, 0);
    private static final FlagRequest SHAPE_NEW = FlagRequest.shape(ID, Shape.NEW);
    private static final FlagRequest SHAPE_OLD = FlagRequest.shape(ID, Shape.OLD);

    @Test
    void shouldMoveReadsToTheNewSideOnlyFromBackfilledOnWhileActive() {
        EnumSet<Phase> allowed = EnumSet.noneOf(Phase.class);
        for (Phase phase : Phase.values()) {
            if (Flags.refusal(ID, phase, false, null, SOME_READS_NEW) == null
                    && Flags.refusal(ID, phase, false, null, SHAPE_NEW) == null) {
                allowed.add(phase);
            }
        }

        assertThat(allowed).containsExactlyInAnyOrder(Phase.BACKFILLED, Phase.VERIFIED, Phase.CUT_OVER);
    }

    @Test
    void shouldKeepReadsOnTheOldSideInAnyActivePhaseAndInNoFinishedOne() {
        for (Phase phase : Phase.values()) {
            boolean accepted = Flags.refusal(ID, phase, false, null, NO_READS_NEW) == null
                    && Flags.refusal(ID, phase, false, null, SHAPE_OLD) == null;

            assertThat(accepted).as(phase.name()).isEqualTo(phase.active());
        }
        assertThat(Flags.refusal(ID, Phase.COMPLETE, false, null, NO_READS_NEW))
                .startsWith("migration " + ID + " is COMPLETE: it is finished");
    }

    @Test
    void shouldRefuseReadsOnTheNewSideWhileABackfilledMoveIsCatchingUp() {
        assertThat(Flags.refusal(ID, Phase.BACKFILLED, true, "lag 12.0 s is over its bound", SOME_READS_NEW))
                .contains("is EXPANDED, catching up: lag 12.0 s is over its bound", "only from BACKFILLED on");
        assertThat(Flags.refusal(ID, Phase.BACKFILLED, true, null, SOME_READS_NEW))
                .isNull();
    }

    @Test
    void shouldRefuseAnyShapeForAMoveAndSayWhereWritesMove() {
        for (FlagRequest shape : new FlagRequest[] {SHAPE_NEW, SHAPE_OLD}) {
            assertThat(Flags.refusal(ID, Phase.CUT_OVER, true, null, shape))
                    .contains("--shape is for migrations within one store", "`tandem cutover`");
        }
    }
}
