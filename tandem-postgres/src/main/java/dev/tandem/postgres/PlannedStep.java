package dev.tandem.postgres;

/**
 * One SQL step of a recipe: the exact SQL, the strongest table lock it takes, and whether it must run
 * outside a transaction (CONCURRENTLY). {@code estimate} is a size-based estimate for humans.
 */
public record PlannedStep(
        Stage stage, String description, String sql, LockMode lock, boolean transactional, String estimate) {}
