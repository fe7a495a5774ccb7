package dev.tandem.core;

import java.time.Duration;
import java.util.List;

/**
 * A file's optional {@code verify:} section (DESIGN.md, Verification): the invariants that must hold
 * on both sides, the drifted rows a verification may find and still pass ({@code max_drift_rows},
 * default 0), and how long a passing result counts for the cutover gate ({@code window}, default one
 * hour). A file without the section has {@link #DEFAULT}.
 */
public record VerifySpec(List<Invariant> invariants, long maxDriftRows, Duration window, SourceLocation location) {
    public static final Duration DEFAULT_WINDOW = Duration.ofHours(1);

    public static final VerifySpec DEFAULT = new VerifySpec(List.of(), 0, DEFAULT_WINDOW, null);

    public VerifySpec {
        invariants = List.copyOf(invariants);
    }

    /**
     * A named aggregate that must give the same one-row result on the old side ({@code oldSql}: the
     * source store, or the old shape) and the new side ({@code newSql}: the target store, or the new
     * shape's version schema).
     */
    public record Invariant(String name, String oldSql, String newSql, SourceLocation location) {}
}
