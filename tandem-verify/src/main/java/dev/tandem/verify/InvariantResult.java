package dev.tandem.verify;

/** One of the file's invariants: the one-row result on each side, as text, and whether they were equal. */
public record InvariantResult(String name, String oldValue, String newValue, boolean held) {}
