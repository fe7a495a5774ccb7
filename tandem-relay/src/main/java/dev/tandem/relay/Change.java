package dev.tandem.relay;

/**
 * One captured change as the relay carries it: the outbox row's {@code id} (0 for a row the copy
 * reads), the key and, for an upsert, the mapped row, each the text of a row value written under
 * {@link Outbox#CANONICAL} settings; and the change's version, which orders the changes of one key.
 */
record Change(long id, String key, boolean delete, String row, long version) {}
