package dev.tandem.verify;

import java.util.List;

/**
 * What a repair did: the verification that found the drift ({@code found}, recorded), the drifted keys
 * ({@code planned}, every one, with what differs), and, unless it was a dry run, the verification it
 * ran once they were rewritten.
 */
public record Repair(List<Drift> planned, boolean dryRun, Verification after, Verification found) {
    public Repair {
        planned = List.copyOf(planned);
    }
}
