package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.verify.Drift;
import dev.tandem.verify.InvariantResult;
import dev.tandem.verify.Verification;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a verification reads: each drifted key with its fields, the verdict, and status's one line. */
class VerificationViewTest {
    private static final Instant STARTED = Instant.parse("2025-11-25T12:00:00Z");

    @Test
    void shouldShowEachDriftedKeyWithWhatDiffersOnWhichSide() {
        Verification v = verification(
                List.of(
                        new Drift(
                                "invoices",
                                "(42)",
                                Drift.Kind.CHANGED,
                                List.of(new Drift.FieldDiff("total_cents", "2100", null))),
                        new Drift(
                                "invoices",
                                "(7)",
                                Drift.Kind.MISSING_ON_NEW,
                                List.of(new Drift.FieldDiff("id", "7", null), new Drift.FieldDiff("total", "1", null))),
                        new Drift(
                                "invoices",
                                "(9)",
                                Drift.Kind.EXTRA_ON_NEW,
                                List.of(new Drift.FieldDiff("id", null, "9")))),
                List.of(new InvariantResult("order_total", "10", "11", false)));

        String text = print(v);

        assertThat(text)
                .contains("  CHANGED        invoices (42): total_cents 2100 -> NULL")
                .contains("  MISSING_ON_NEW invoices (7): only the old side has it (id 7, total 1)")
                .contains("  EXTRA_ON_NEW   invoices (9): only the new side has it (id 9)")
                .contains("invariant        order_total: BROKEN (old 10, new 11)")
                .contains("result           FAILED: 3 drifted (max_drift_rows 0), 0 unresolved, 1 invariant broken;"
                        + " `tandem verify --repair --dry-run`");
    }

    @Test
    void shouldSayInStatusWhetherAPassCountsForTheCutoverGate() {
        Verification passed = verification(List.of(), List.of());
        Instant ended = STARTED.plusSeconds(2);

        assertThat(VerificationView.summary(passed, Duration.ofHours(1), ended.plusSeconds(60)))
                .isEqualTo("passed 2025-11-25T12:00:02Z (1m00s ago): 500 rows, 0 drifted; counts for cutover until"
                        + " 2025-11-25T13:00:02Z");
        assertThat(VerificationView.summary(passed, Duration.ofMinutes(30), ended.plus(Duration.ofHours(2))))
                .contains("outside its window of 30m00s: `tandem verify` again before cutover");
        assertThat(VerificationView.summary(null, Duration.ofHours(1), ended))
                .startsWith("none yet: `tandem verify` compares the two sides");
    }

    private static Verification verification(List<Drift> drift, List<InvariantResult> invariants) {
        boolean passed = drift.isEmpty() && invariants.stream().allMatch(InvariantResult::held);
        return new Verification(
                1,
                "0007_move_orders",
                STARTED,
                Duration.ofSeconds(2),
                List.of("source orders (source) against target invoices (billing) by [id]"),
                "segments",
                500,
                250,
                drift.size(),
                drift,
                0,
                0,
                invariants,
                0,
                passed);
    }

    private static String print(Verification v) {
        StringWriter out = new StringWriter();
        VerificationView.print(v, new PrintWriter(out, true));
        return out.toString();
    }
}
