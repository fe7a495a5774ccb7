package dev.tandem.relay;

import static dev.tandem.relay.RelayConvergenceIT.exec;
import static dev.tandem.relay.RelayConvergenceIT.rows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Capture takes every writer, whatever its privileges, and wakes an idle relay at once, while a busy
 * relay's promise to look spares writers the NOTIFY that would serialise their commits.
 */
class CaptureWakeIT {
    EmbeddedPostgres.Database source;
    EmbeddedPostgres.Database target;
    MoveSpec spec = RelayConvergenceIT.orders();
    Relay relay;
    CompletableFuture<Void> running;

    @BeforeEach
    void stores() {
        source = EmbeddedPostgres.newDatabase();
        target = EmbeddedPostgres.newDatabase();
        exec(source.dataSource(), RelayConvergenceIT.SOURCE_TABLE);
        exec(target.dataSource(), RelayConvergenceIT.TARGET_TABLE);
    }

    @AfterEach
    void stop() {
        if (relay != null) {
            relay.stop();
            running.join();
        }
    }

    /** Runs a relay that, without a notification, would look at the outbox only every 30 s. */
    void startRelay() {
        relay = Relay.builder(source.dataSource())
                .move(spec, target.dataSource())
                .pollInterval(Duration.ofSeconds(30))
                .build();
        running = RelayConvergenceIT.inBackground(relay);
    }

    /** How long until the target holds the row with {@code id}; fails after 10 s. */
    Duration untilDelivered(long id) throws InterruptedException {
        long began = System.nanoTime();
        while (System.nanoTime() - began < 10_000_000_000L) {
            if (rows(target.dataSource(), "SELECT count(*) FROM invoices WHERE id = " + id)
                    .equals(List.of("1"))) {
                return Duration.ofNanos(System.nanoTime() - began);
            }
            Thread.sleep(5);
        }
        throw new AssertionError("row " + id + " was not delivered within 10 s");
    }

    @Test
    void shouldCaptureAWriterThatHasNoPrivilegeOnTandemsSchema() throws Exception {
        String role = "clerk_" + source.name();
        exec(
                source.dataSource(),
                "CREATE ROLE " + role + " LOGIN PASSWORD 'clerk';"
                        + " GRANT SELECT, INSERT, UPDATE, DELETE ON orders TO " + role);
        Moves.prepare(source.dataSource(), target.dataSource(), spec);
        try (Connection clerk = DriverManager.getConnection(source.jdbcUrl(), role, "clerk");
                Statement s = clerk.createStatement()) {
            s.execute("SET search_path = pg_temp");
            s.execute("INSERT INTO public.orders VALUES (90001, 3, 12.50, 'by the clerk')");
            s.execute("UPDATE public.orders SET note = 'seen by the clerk' WHERE id = 7");
            s.execute("DELETE FROM public.orders WHERE id = 8");
            assertThat(catchSqlState(() -> s.execute("SELECT count(*) FROM tandem.outbox")))
                    .as("the clerk cannot read the outbox itself")
                    .isEqualTo("42501");
        }
        Moves.copy(source.dataSource(), target.dataSource(), spec, 500);
        try (Relay r = Relay.builder(source.dataSource())
                .move(spec, target.dataSource())
                .build()) {
            while (r.deliverOnce() > 0) {
                // drain
            }
        }
        assertThat(rows(target.dataSource(), "SELECT id, customer_id, total_cents, note FROM invoices ORDER BY id"))
                .containsExactlyElementsOf(rows(
                        source.dataSource(),
                        "SELECT id, customer_id, (total * 100)::bigint, note FROM orders ORDER BY id"))
                .contains("90001|3|1250|by the clerk", "7|7|875|seen by the clerk");
    }

    interface SqlAction {
        void run() throws SQLException;
    }

    static String catchSqlState(SqlAction action) {
        try {
            action.run();
            return null;
        } catch (SQLException e) {
            return e.getSQLState();
        }
    }

    @Test
    void shouldWakeAnIdleRelayAtOnceAndSpareWritersTheNotifyWhileItIsBusy() throws Exception {
        Moves.prepare(source.dataSource(), target.dataSource(), spec);
        startRelay();
        Thread.sleep(300); // the relay found nothing, and sleeps on LISTEN
        exec(source.dataSource(), "INSERT INTO orders VALUES (50001, 1, 1.00, 'wakes the relay')");
        assertThat(untilDelivered(50001)).isLessThan(Duration.ofSeconds(5));

        // Busy now: the relay has promised to look, and writers do not notify.
        try (Connection listener = source.dataSource().getConnection();
                Statement s = listener.createStatement()) {
            s.execute("LISTEN " + Outbox.CHANNEL);
            for (int i = 0; i < 20; i++) {
                exec(source.dataSource(), "INSERT INTO orders VALUES (" + (50002 + i) + ", 1, 1.00, 'busy')");
            }
            untilDelivered(50021);
            assertThat(rows(
                            source.dataSource(),
                            "SELECT count(*) FROM tandem.relays_awake WHERE awake_until > clock_timestamp()"))
                    .containsExactly("1");
            PGNotification[] heard = listener.unwrap(PGConnection.class).getNotifications(100);
            assertThat(heard == null ? 0 : heard.length)
                    .as("notifications while the relay was awake")
                    .isLessThanOrEqualTo(1);

            // Once the promise lapses, the next write notifies and wakes the relay again.
            Thread.sleep(Relay.AWAKE.plus(Relay.SETTLE).plusMillis(500).toMillis());
            exec(source.dataSource(), "INSERT INTO orders VALUES (60001, 1, 1.00, 'wakes it again')");
            assertThat(untilDelivered(60001)).isLessThan(Duration.ofSeconds(5));
            heard = listener.unwrap(PGConnection.class).getNotifications(1000);
            assertThat(heard).isNotNull().isNotEmpty();
        }
    }

    @Test
    void shouldNotifyWhenTheRelayWasKilledWithItsPromiseStanding() throws Exception {
        Moves.prepare(source.dataSource(), target.dataSource(), spec);
        // A relay killed while busy leaves its promise; writers notify again once it lapses.
        exec(
                source.dataSource(),
                "INSERT INTO tandem.relays_awake VALUES ('killed', " + "'" + spec.migrationId()
                        + "', clock_timestamp() + interval '1 second')");
        try (Connection listener = source.dataSource().getConnection();
                Statement s = listener.createStatement()) {
            s.execute("LISTEN " + Outbox.CHANNEL);
            exec(source.dataSource(), "INSERT INTO orders VALUES (70001, 1, 1.00, 'promised')");
            PGNotification[] heard = listener.unwrap(PGConnection.class).getNotifications(200);
            assertThat(heard == null ? 0 : heard.length).isZero();
            Thread.sleep(1200);
            exec(source.dataSource(), "INSERT INTO orders VALUES (70002, 1, 1.00, 'lapsed')");
            heard = listener.unwrap(PGConnection.class).getNotifications(2000);
            assertThat(heard).isNotNull().hasSize(1);
            assertThat(heard[0].getParameter()).isEqualTo(spec.migrationId());
        }
    }
}
