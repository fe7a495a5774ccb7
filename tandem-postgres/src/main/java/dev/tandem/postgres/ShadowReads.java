package dev.tandem.postgres;

import java.util.List;

/**
 * Shadow reads summed over every client of a migration: how many reads were compared on both
 * sides, how many differed, and a few of the differences with their keys.
 */
public record ShadowReads(long compared, long mismatched, List<ShadowSample> samples) {
    public ShadowReads {
        samples = List.copyOf(samples);
    }

    /** The share of compared reads that differed, 0 to 1; 0 when none were compared. */
    public double mismatchRate() {
        return compared == 0 ? 0 : (double) mismatched / compared;
    }
}
