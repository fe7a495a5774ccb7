package dev.tandem.postgres;

import java.util.List;

/**
 * What the services that embed {@code tandem-client} see and do for one migration: its runtime
 * flags, each instance's last heartbeat (most recently seen first), and their shadow reads summed.
 */
public record ClientReport(MigrationFlags flags, List<ClientHeartbeat> clients, ShadowReads shadow) {
    public ClientReport {
        clients = List.copyOf(clients);
    }
}
