/**
 * Moving a table between stores (DESIGN.md, "Moving a table between stores"): capture of every write
 * into the source's outbox in the writer's transaction, the relay that delivers it, and the apply on
 * the target that is guarded by version, so duplicates and reordering converge.
 */
package dev.tandem.relay;
