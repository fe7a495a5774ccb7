package dev.tandem.verify;

import java.util.List;

/** A key whose two sides differed when read: drift only if it still differs once the relay has caught up. */
record Suspect(String key, List<String> parts, Drift.Kind kind) {
    Suspect {
        parts = List.copyOf(parts);
    }
}
