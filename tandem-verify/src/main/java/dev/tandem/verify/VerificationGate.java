package dev.tandem.verify;

import dev.tandem.core.Migration;
import dev.tandem.postgres.StageHook;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The cutover gate of verification (DESIGN.md, Phases): a migration cuts over only after a verification
 * that passed (drift within {@code max_drift_rows}, nothing unresolved, every invariant held) and started
 * no longer ago than the file's {@code window}. {@code --force --reason} passes it, on the record.
 */
public final class VerificationGate implements StageHook {
    private final DataSource store;

    public VerificationGate(DataSource store) {
        this.store = store;
    }

    @Override
    public String cutoverRefusal(Migration m) throws SQLException {
        Optional<Verification> last;
        try (Connection c = store.getConnection()) {
            last = Verifications.last(c, m.id());
        }
        Duration window = m.verify().window();
        if (last.isEmpty()) {
            return "no verification of " + m.id() + " has run; run `tandem verify` (a pass counts for " + human(window)
                    + ")";
        }
        Verification v = last.get();
        Instant started = v.startedAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        if (!v.passed()) {
            return "the last verification of " + m.id() + " (started " + started + ") did not pass: " + v.driftRows()
                    + " drifted row(s) (max_drift_rows " + v.maxDriftRows() + "), " + v.unresolved() + " unresolved, "
                    + v.invariants().stream().filter(i -> !i.held()).count()
                    + " invariant(s) broken; `tandem verify --repair`, then verify again";
        }
        if (!v.passedWithin(window, Instant.now())) {
            return "the last passing verification of " + m.id() + " started at " + started + ", outside its window of "
                    + human(window) + "; run `tandem verify` again";
        }
        return null;
    }

    /** {@code 1h}, {@code 90m}, {@code 45s}: a window as the file writes it. */
    static String human(Duration d) {
        long s = d.toSeconds();
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        return s % 60 == 0 ? s / 60 + "m" : s + "s";
    }
}
