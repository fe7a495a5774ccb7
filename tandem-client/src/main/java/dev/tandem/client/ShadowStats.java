package dev.tandem.client;

import java.util.List;

/**
 * What this instance's shadow reads of one migration found since it started.
 *
 * @param compared reads whose two sides were compared
 * @param mismatched comparisons that found a difference (the consistency rate is {@code 1 -
 *     mismatched / compared})
 * @param dropped sampled reads not compared because the shadow executor's queue was full
 * @param errors shadow reads that failed: the other side's read threw, or the comparator threw or
 *     overran its time
 * @param samples the most recent mismatches, newest last
 */
public record ShadowStats(long compared, long mismatched, long dropped, long errors, List<ShadowSample> samples) {
    public ShadowStats {
        samples = List.copyOf(samples);
    }
}
