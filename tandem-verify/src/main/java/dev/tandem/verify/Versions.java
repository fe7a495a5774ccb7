package dev.tandem.verify;

import java.sql.SQLException;
import java.util.Collection;
import java.util.Map;

/**
 * Where each key stands in the delivery between the sides: the version the other side last applied,
 * and whether a change of it is still on its way. A key that differs with a change on its way, or
 * whose version moved since it was first seen, is in flight, not drifted.
 */
interface Versions {
    /** A key's place: an opaque version (null when never delivered) and whether a change is pending. */
    record Version(String applied, boolean pending) {}

    Map<String, Version> of(Collection<String> keys) throws SQLException;

    /** Within one store the two shapes are written in one transaction: nothing is ever in flight. */
    Versions NONE = keys -> Map.of();
}
