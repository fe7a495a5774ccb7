package dev.tandem.bench;

/**
 * A way to copy the rows that exist before capture starts, from the source's {@code bench_orders} into
 * the target's empty one: the part of a move that a relay's backfill does. {@link CopyPipe} is the
 * baseline; tandem's backfill is registered in {@link RelayBench#COPY_CANDIDATES} once it exists. The
 * harness times {@link #copy} and checks the two tables' fingerprints afterwards.
 */
interface RowCopy {
    /** A short name for JSON keys. */
    String key();

    /** The name the report shows. */
    String name();

    /** Copies every row; returns when the target holds them all, committed. */
    void copy(Store source, Store target) throws Exception;
}
