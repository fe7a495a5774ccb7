package dev.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.bench.RelayWorkload.Change;
import dev.tandem.bench.RelayWorkload.Delete;
import dev.tandem.bench.RelayWorkload.Insert;
import dev.tandem.bench.RelayWorkload.Transaction;
import dev.tandem.bench.RelayWorkload.Update;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The relay benchmarks' workload: its mix, its determinism, and changes that a real table accepts. */
class RelayWorkloadTest {
    private static final RelayWorkload.Settings SMALL = new RelayWorkload.Settings(1_000, 20_000, 100, 7);

    private static List<Transaction> all(RelayWorkload.Settings settings) {
        List<Transaction> txs = new ArrayList<>();
        RelayWorkload.create(settings).forEachRemaining(txs::add);
        return txs;
    }

    @Test
    void shouldBeHalfUpdatesAQuarterInsertsAndAQuarterDeletesInEveryTransaction() {
        for (Transaction tx : all(SMALL)) {
            assertThat(tx.changes()).hasSize(100);
            assertThat(tx.changes()).filteredOn(Update.class::isInstance).hasSize(50);
            assertThat(tx.changes()).filteredOn(Insert.class::isInstance).hasSize(25);
            assertThat(tx.changes()).filteredOn(Delete.class::isInstance).hasSize(25);
        }
    }

    @Test
    void shouldDrawTheSameTransactionsFromTheSameSeed() {
        assertThat(all(SMALL)).isEqualTo(all(SMALL));
    }

    @Test
    void shouldDrawOtherTransactionsFromAnotherSeed() {
        assertThat(all(new RelayWorkload.Settings(1_000, 20_000, 100, 8))).isNotEqualTo(all(SMALL));
    }

    @Test
    void shouldNumberChangesOneToNInOrderAndStopThere() {
        List<Transaction> txs = all(SMALL);

        assertThat(txs).hasSize(200);
        assertThat(txs.stream()
                        .flatMap(tx -> tx.changes().stream())
                        .mapToLong(Change::changeNo)
                        .toArray())
                .containsExactly(LongStream.rangeClosed(1, 20_000).toArray());
    }

    @Test
    void shouldEndWithASmallerTransactionWhenTheChangesDoNotDivideEvenly() {
        List<Transaction> txs = all(new RelayWorkload.Settings(1_000, 1_010, 100, 7));

        assertThat(txs).hasSize(11);
        assertThat(txs.getLast().changes()).hasSize(10);
    }

    @Test
    void shouldOnlyUpdateAndDeleteRowsThatExistAndOnlyInsertNewIds() {
        Set<Long> live = new HashSet<>(LongStream.rangeClosed(1, 1_000).boxed().toList());
        Set<Long> everSeen = new HashSet<>(live);
        RelayWorkload workload = RelayWorkload.create(SMALL);
        while (workload.hasNext()) {
            Set<Long> touched = new HashSet<>();
            for (Change change : workload.next().changes()) {
                assertThat(touched.add(change.id()))
                        .as("row %d touched twice in one transaction", change.id())
                        .isTrue();
                switch (change) {
                    case Insert i ->
                        assertThat(everSeen.add(i.id()))
                                .as("insert of a used id %d", i.id())
                                .isTrue();
                    case Update u ->
                        assertThat(live).as("update of a missing row").contains(u.id());
                    case Delete d ->
                        assertThat(live).as("delete of a missing row").contains(d.id());
                }
                if (change instanceof Delete) {
                    live.remove(change.id());
                } else {
                    live.add(change.id());
                }
            }
        }
        assertThat(workload.liveRows()).isEqualTo(live.size()).isEqualTo(1_000);
        assertThat(live).doesNotContain(0L);
    }

    @Test
    void shouldRefuseASeedTooSmallToPickUpdatesAndDeletesFrom() {
        assertThatThrownBy(() -> new RelayWorkload.Settings(150, 1_000, 100, 7))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("seedRows 150 is too small");
    }
}
