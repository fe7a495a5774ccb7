package dev.tandem.client;

import static dev.tandem.client.ClientFixture.SPLIT;
import static dev.tandem.client.ClientFixture.await;
import static dev.tandem.client.ClientFixture.flag;
import static dev.tandem.client.ClientFixture.value;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Phase;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.TransitionRequest;
import dev.tandem.testkit.DedicatedPostgres;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Changes are seen without notifications, through a database restart, and with no tandem state at all. */
@ExtendWith(PostgresExtension.class)
class StateWatchIT {
    EmbeddedPostgres.Database db;

    @Test
    void shouldPickUpAChangeMadeWithoutNotifyWithinThePollInterval() throws Exception {
        ClientFixture.startSplit(db.dataSource());
        Duration poll = Duration.ofMillis(300);
        try (Tandem tandem =
                ClientFixture.client(db.dataSource()).pollInterval(poll).build()) {
            MigrationHandle handle = tandem.migration(SPLIT);
            assertThat(handle.phase()).isEqualTo(Phase.BACKFILLED);
            assertThat(handle.readsNewPercent()).isZero();
            long before = System.nanoTime();
            flag(db.dataSource(), SPLIT, 30, "old", false);
            await("the client polls reads_new 30", Duration.ofSeconds(5), () -> handle.readsNewPercent() == 30);
            long elapsed = System.nanoTime() - before;
            System.out.printf(
                    "a change without NOTIFY was seen after %.1f ms (poll interval %d ms)%n",
                    elapsed / 1e6, poll.toMillis());
            assertThat(elapsed)
                    .isLessThan(poll.toNanos() + Duration.ofMillis(250).toNanos());
        }
    }

    @Test
    void shouldKeepTheLastStateThroughARestartAndSeeChangesAfterIt(@TempDir Path data) throws Exception {
        try (DedicatedPostgres pg = DedicatedPostgres.start(data)) {
            EmbeddedPostgres.Database own = pg.newDatabase("restart");
            ClientFixture.startSplit(own.dataSource());
            flag(own.dataSource(), SPLIT, 20, "old");
            try (Tandem tandem = ClientFixture.client(own.dataSource()).build()) {
                MigrationHandle handle = tandem.migration(SPLIT);
                assertThat(handle.readsNewPercent()).isEqualTo(20);

                pg.stop();
                // Down: the last known state stays in force.
                assertThat(handle.readsNewPercent()).isEqualTo(20);
                assertThat(handle.phase()).isEqualTo(Phase.BACKFILLED);
                pg.start();

                long before = System.nanoTime();
                flag(own.dataSource(), SPLIT, 70, "new");
                await(
                        "the client sees the change made after the restart",
                        Duration.ofSeconds(10),
                        () -> handle.readsNewPercent() == 100);
                System.out.printf(
                        "after a restart, a change was seen after %.1f ms%n", (System.nanoTime() - before) / 1e6);
                assertThat(handle.stage()).isEqualTo(Stage.READS_NEW);
            }
        }
    }

    @Test
    void shouldTreatAStoreWithoutTandemAsEverythingOnTheOldSide() throws Exception {
        try (Tandem tandem = ClientFixture.client(db.dataSource()).build()) {
            MigrationHandle handle = tandem.migration("0009_not_started");
            assertThat(handle.phase()).isEqualTo(Phase.PLANNED);
            assertThat(handle.stage()).isEqualTo(Stage.OLD);
            assertThat(handle.readSide("any")).isEqualTo(Side.OLD);
            assertThat(handle.writeSide()).isEqualTo(Side.OLD);
            assertThat(ClientFixture.value(handle.dataSource(), "SELECT 1")).isEqualTo("1");
            // No tandem.heartbeats: the beat fails, the client goes on.
            tandem.heartbeatsNow();
            String side = handle.read("k", c -> "old", c -> "new");
            assertThat(side).isEqualTo("old");
        }
    }

    @Test
    void shouldFollowTheEngineThroughThePhasesWithTheFlagsBoundByThem() throws Exception {
        Engine engine = ClientFixture.expandSplit(db.dataSource());
        flag(db.dataSource(), SPLIT, 50, "new");
        try (Tandem tandem = ClientFixture.client(db.dataSource()).build()) {
            MigrationHandle handle = tandem.migration(SPLIT);
            // EXPANDED: the flags are set, but reads stay old until the backfill is done.
            assertThat(handle.phase()).isEqualTo(Phase.EXPANDED);
            assertThat(handle.readsNewPercent()).isZero();
            assertThat(handle.stage()).isEqualTo(Stage.OLD);
            assertThat(value(handle.dataSource(), "SHOW search_path")).doesNotContain(ClientFixture.VERSION_SCHEMA);

            engine.backfill(SPLIT);
            await("the backfilled phase is seen", Duration.ofSeconds(2), () -> handle.phase() == Phase.BACKFILLED);
            assertThat(handle.readsNewPercent()).isEqualTo(100);
            assertThat(value(handle.dataSource(), "SHOW search_path")).startsWith("\"" + ClientFixture.VERSION_SCHEMA);

            engine.cutover(TransitionRequest.of(SPLIT));
            await("the cutover is seen", Duration.ofSeconds(2), () -> handle.stage() == Stage.WRITES_NEW);
            assertThat(handle.writeSide()).isEqualTo(Side.NEW);
            // Writes now go through the new shape, where only full_name exists.
            String written = handle.write(
                    "1",
                    c -> value(c, "UPDATE customers SET name = 'Old Shape' WHERE id = 1 RETURNING 'old'"),
                    c -> value(c, "UPDATE customers SET full_name = 'New Shape' WHERE id = 1 RETURNING 'new'"));
            assertThat(written).isEqualTo("new");
            assertThat(value(db.dataSource(), "SELECT name FROM customers WHERE id = 1"))
                    .isEqualTo("New Shape");

            engine.rollback(TransitionRequest.of(SPLIT));
            await("the rollback is seen", Duration.ofSeconds(2), () -> handle.stage() == Stage.ROLLED_BACK);
            assertThat(handle.readsNewPercent()).isZero();
            assertThat(handle.writeSide()).isEqualTo(Side.OLD);
            assertThat(value(handle.dataSource(), "SELECT count(*) FROM customers"))
                    .isEqualTo("200");
        }
    }

    @Test
    void shouldStopEveryThreadItStartedOnClose() throws Exception {
        ClientFixture.startSplit(db.dataSource());
        Tandem tandem = ClientFixture.client(db.dataSource()).service("closing").build();
        MigrationHandle handle = tandem.migration(SPLIT);
        handle.shadowReads(ShadowReads.builder().sampleRate(1).build());
        String read = handle.read("k", c -> "old", c -> "new");
        assertThat(read).isEqualTo("old");
        assertThat(threads("closing")).isNotEmpty();
        tandem.close();
        await("its threads are gone", Duration.ofSeconds(5), () -> threads("closing")
                .isEmpty());
    }

    static java.util.List<String> threads(String service) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.equals("tandem-state-watch-" + service)
                        || n.equals("tandem-heartbeat-" + service)
                        || n.startsWith("tandem-shadow-"))
                .toList();
    }
}
