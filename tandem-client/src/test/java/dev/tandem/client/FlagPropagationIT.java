package dev.tandem.client;

import static dev.tandem.client.ClientFixture.SPLIT;
import static dev.tandem.client.ClientFixture.await;
import static dev.tandem.client.ClientFixture.flag;
import static dev.tandem.client.ClientFixture.percentile;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A flag change reaches every running client within one second (DESIGN.md, Runtime flags). */
@ExtendWith(PostgresExtension.class)
class FlagPropagationIT {
    static final int CLIENTS = 50;
    static final int CHANGES = 6;

    EmbeddedPostgres.Database db;
    final List<Tandem> clients = new ArrayList<>();

    @AfterEach
    void close() {
        clients.forEach(Tandem::close);
    }

    @Test
    void shouldReachFiftyClientsWithinOneSecondOfAFlagChange() throws Exception {
        ClientFixture.startSplit(db.dataSource());
        // Polling is slowed right down, so that what is measured is the notification path.
        for (int i = 0; i < CLIENTS; i++) {
            Tandem t = ClientFixture.client(db.dataSource())
                    .instance("client-" + i)
                    .pollInterval(Duration.ofMinutes(5))
                    .heartbeatInterval(Duration.ofMinutes(5))
                    .build();
            t.migration(SPLIT);
            clients.add(t);
        }
        long[] latencies = new long[CLIENTS * CHANGES];
        for (int change = 0; change < CHANGES; change++) {
            int percent = 10 + change * 10;
            AtomicLongArray seenAt = new AtomicLongArray(CLIENTS);
            for (int i = 0; i < CLIENTS; i++) {
                int client = i;
                MigrationHandle handle = clients.get(i).migration(SPLIT);
                clients.get(i).addListener(id -> {
                    if (id.equals(SPLIT) && handle.readsNewPercent() == percent) {
                        seenAt.compareAndSet(client, 0, System.nanoTime());
                    }
                });
            }
            long before = System.nanoTime();
            flag(db.dataSource(), SPLIT, percent, "old");
            await("every client sees reads_new " + percent, Duration.ofSeconds(10), () -> {
                for (int i = 0; i < CLIENTS; i++) {
                    if (seenAt.get(i) == 0) {
                        return false;
                    }
                }
                return true;
            });
            for (int i = 0; i < CLIENTS; i++) {
                latencies[change * CLIENTS + i] = seenAt.get(i) - before;
                assertThat(clients.get(i).migration(SPLIT).readsNewPercent()).isEqualTo(percent);
            }
        }
        System.out.printf(
                "flag propagation to %d clients, %d changes: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                CLIENTS,
                CHANGES,
                percentile(latencies, 50) / 1e6,
                percentile(latencies, 99) / 1e6,
                percentile(latencies, 100) / 1e6);
        assertThat(percentile(latencies, 100)).isLessThan(Duration.ofSeconds(1).toNanos());
    }
}
