package dev.tandem.client;

import java.time.Instant;
import java.util.List;

/** A shadow read whose sides differed: the routing key, the differing fields, and when it was compared. */
public record ShadowSample(String key, List<FieldDiff> diffs, Instant at) {
    public ShadowSample {
        diffs = List.copyOf(diffs);
    }
}
