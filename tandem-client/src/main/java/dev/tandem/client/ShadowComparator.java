package dev.tandem.client;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Compares what the old side and the new side returned for one read. It runs off the request thread,
 * under a time limit; whatever it throws, and however long it takes, the caller never sees it: a
 * failure or an overrun counts as a shadow error.
 */
@FunctionalInterface
public interface ShadowComparator {
    /** The fields on which the results differ; empty when they agree. */
    List<FieldDiff> compare(Object oldResult, Object newResult) throws Exception;

    /** Equal results by {@link Objects#equals}; a difference is reported on the field {@code ""}. */
    static ShadowComparator equality() {
        return (a, b) ->
                Objects.equals(a, b) ? List.of() : List.of(new FieldDiff("", String.valueOf(a), String.valueOf(b)));
    }

    /**
     * Compares rows field by field: a {@code Map<String, ?>} or a record is one row, a collection is
     * rows by position; anything else by {@code equals}. Numbers compare by value (an {@code int} 1
     * equals a {@code long} 1 and a {@code numeric} 1.0).
     *
     * @param ignored fields never compared (a timestamp each side sets itself, say)
     * @param tolerances per field, the largest absolute difference of two numbers still counted as
     *     equal
     */
    static ShadowComparator fields(Set<String> ignored, Map<String, Double> tolerances) {
        return new FieldComparator(Set.copyOf(ignored), Map.copyOf(tolerances));
    }

    /** {@link #fields} with nothing ignored and no tolerance. */
    static ShadowComparator fields() {
        return fields(Set.of(), Map.of());
    }
}
