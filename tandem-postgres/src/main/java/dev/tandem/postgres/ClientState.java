package dev.tandem.postgres;

/**
 * What services that embed {@code tandem-client} read and write in a store's {@code tandem} schema:
 * the runtime flags of each migration, and each client instance's heartbeat. This is the contract
 * between the engine and the client library, which shares no code with it: the client reads the
 * flags, the phases ({@code tandem.migrations}) and the moves ({@code tandem.moves}), and writes only
 * its heartbeat.
 *
 * <ul>
 *   <li>{@code tandem.flags}: per migration, the share of routing keys (0 to 100, by a stable hash)
 *       whose reads go to the new side, and the whole shape ({@code old} or {@code new}) for in-store
 *       migrations. The phase bounds them: reads move to the new side only from BACKFILLED on.
 *   <li>{@code tandem.heartbeats}: per service, instance and migration, the side the instance uses
 *       ({@code old}, {@code new}, or {@code both} while its reads are split), when it was last seen,
 *       and its shadow-read counts with a bounded sample of differences.
 *   <li>{@link #CHANNEL}: every change of a phase, a flag or a move's authoritative side is announced
 *       on it, with the migration id as the payload, in the transaction that makes it.
 * </ul>
 */
public final class ClientState {
    /** The NOTIFY channel of phase, flag and cutover changes; the payload is the migration id. */
    public static final String CHANNEL = "tandem_state";

    private ClientState() {}

    static final String DDL = """
            CREATE TABLE IF NOT EXISTS tandem.flags (
              migration_id text PRIMARY KEY REFERENCES tandem.migrations (id),
              reads_new    int NOT NULL DEFAULT 0 CHECK (reads_new BETWEEN 0 AND 100),
              shape        text NOT NULL DEFAULT 'old' CHECK (shape IN ('old', 'new')),
              updated_at   timestamptz NOT NULL DEFAULT now(),
              updated_by   text NOT NULL
            );
            CREATE TABLE IF NOT EXISTS tandem.heartbeats (
              service           text NOT NULL,
              instance          text NOT NULL,
              migration_id      text NOT NULL,
              side              text NOT NULL CHECK (side IN ('old', 'new', 'both')),
              reads_new         int,
              seen_at           timestamptz NOT NULL DEFAULT now(),
              shadow_compared   bigint NOT NULL DEFAULT 0,
              shadow_mismatched bigint NOT NULL DEFAULT 0,
              shadow_samples    jsonb NOT NULL DEFAULT '[]',
              PRIMARY KEY (service, instance, migration_id)
            );
            GRANT USAGE ON SCHEMA tandem TO PUBLIC;
            GRANT SELECT ON tandem.migrations, tandem.flags TO PUBLIC;
            GRANT SELECT, INSERT, UPDATE ON tandem.heartbeats TO PUBLIC;
            """;

    /** The statement that announces a change of {@code migrationId}'s phase, flags or authoritative side. */
    public static String notifySql(String migrationId) {
        return "SELECT pg_notify(" + Sql.literal(CHANNEL) + ", " + Sql.literal(migrationId) + ")";
    }
}
