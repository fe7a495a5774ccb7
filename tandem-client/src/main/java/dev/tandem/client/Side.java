package dev.tandem.client;

/** One side of a migration: the old shape or source store, or the new shape or target store. */
public enum Side {
    OLD,
    NEW
}
