package dev.tandem.verify;

import java.util.List;

/** A drifted key with what repair needs to find it again: its pair and its key, one text per key column. */
record Found(Pair pair, List<String> parts, Drift drift) {
    Found {
        parts = List.copyOf(parts);
    }
}
