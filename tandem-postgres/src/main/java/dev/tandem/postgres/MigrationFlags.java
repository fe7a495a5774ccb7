package dev.tandem.postgres;

import java.time.Instant;

/**
 * A migration's runtime flags, as {@code tandem.flags} holds them: the share of routing keys (0 to
 * 100) whose reads go to the new side, and the shape in-store clients use. Writes are not a flag:
 * they move only with {@code cutover}. {@code updatedAt} and {@code updatedBy} are null while the
 * flags were never set (they then have their defaults, 0 and {@link Shape#OLD}).
 */
public record MigrationFlags(
        String migrationId, int readsNewPercent, Shape shape, Instant updatedAt, String updatedBy) {

    /** The flags of a migration whose flags were never set. */
    public static MigrationFlags defaults(String migrationId) {
        return new MigrationFlags(migrationId, 0, Shape.OLD, null, null);
    }

    /** Whether they were ever set, rather than being the defaults. */
    public boolean set() {
        return updatedAt != null;
    }

    /** {@code reads-new 25%, shape old}: how the history and the CLI say them. */
    public String describe() {
        return "reads-new " + readsNewPercent + "%, shape " + shape.wireName();
    }
}
