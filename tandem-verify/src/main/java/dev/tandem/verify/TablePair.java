package dev.tandem.verify;

import java.util.List;

/**
 * Two tables to compare without a migration: {@code oldTable} in the verifier's own store and {@code
 * newTable} in the store named {@code newStore}, by {@code key}, over the columns they share, each
 * compared at the new table's type.
 */
public record TablePair(String oldTable, String newStore, String newTable, List<String> key) {
    public TablePair {
        key = List.copyOf(key);
    }
}
