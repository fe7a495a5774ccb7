package dev.tandem.core;

/** How serious a lint finding is. An {@link #ERROR} refuses {@code start}; a {@link #WARNING} does not. */
public enum Severity {
    ERROR,
    WARNING
}
