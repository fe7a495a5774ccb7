package dev.tandem.verify;

import java.util.List;

/**
 * What a repair did: the drifted keys it found ({@code planned}, every one, with what differs), and,
 * unless it was a dry run, the verification it ran once they were rewritten.
 */
public record Repair(List<Drift> planned, boolean dryRun, Verification after) {
    public Repair {
        planned = List.copyOf(planned);
    }
}
