package dev.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.bench.RelayWorkload.Change;
import dev.tandem.bench.RelayWorkload.Delete;
import dev.tandem.bench.RelayWorkload.Transaction;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Arrivals are matched to the commit of the change that produced them. */
class LatencyTest {
    @Test
    void shouldTimeInsertsAndUpdatesByChangeNumberAndDeletesById() {
        RelayWorkload workload = RelayWorkload.create(new RelayWorkload.Settings(1_000, 100, 100, 3));
        Transaction tx = workload.next();
        Latency latency = new Latency(100);
        latency.committed(tx, 1_000_000, 1_001_000);
        for (Change change : tx.changes()) {
            if (change instanceof Delete d) {
                latency.arrived(d.id(), 0, 1_004_000);
            } else {
                latency.arrived(change.id(), change.changeNo(), 1_002_000);
            }
        }

        assertThat(latency.figures())
                .containsEntry("changes_timed", 100L)
                .containsEntry("changes_missing", 0L)
                .containsEntry("p50_ms", 2.0)
                .containsEntry("p99_ms", 4.0)
                .containsEntry("from_commit_returned_p50_ms", 1.0);
    }

    @Test
    void shouldCountTheFirstArrivalOfAChangeAndReportTheMissingOnes() {
        RelayWorkload workload = RelayWorkload.create(new RelayWorkload.Settings(1_000, 4, 4, 3));
        Transaction tx = workload.next();
        Latency latency = new Latency(4);
        latency.committed(tx, 5_000, 5_500);
        List<Change> updates =
                tx.changes().stream().filter(c -> !(c instanceof Delete)).toList();
        latency.arrived(updates.getFirst().id(), updates.getFirst().changeNo(), 6_000);
        latency.arrived(updates.getFirst().id(), updates.getFirst().changeNo(), 9_000);

        assertThat(latency.figures())
                .containsEntry("changes_timed", 1L)
                .containsEntry("changes_missing", 3L)
                .containsEntry("max_ms", 1.0);
    }
}
