package dev.tandem.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import dev.tandem.postgres.TransitionRequest;
import dev.tandem.relay.Relay;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Invariant 7 under a heavy workload: writers insert, update and delete on overlapping keys of the
 * source while a relay delivers them, and verifications run meanwhile, several times. Each finds no
 * drift and leaves no suspect unresolved, though its two reads of a key are never at the same moment.
 * Then the gate: cutover is refused without a passing verification in the window, and allowed with one.
 */
class VerifyUnderLoadIT {
    @Test
    void shouldReportNoDriftWhileWritesFlowAndGateTheCutover() throws Exception {
        MoveFixture f = new MoveFixture(MoveFixture.KeyKind.INT);
        Relay relay = Relay.builder(f.source.dataSource())
                .registered(Map.of("other", f.target.dataSource()))
                .pollInterval(java.time.Duration.ofMillis(5))
                .build();
        Thread relayThread = Thread.ofPlatform().daemon().start(() -> {
            try {
                relay.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong writes = new AtomicLong();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 6; w++) {
            writers.add(Thread.ofPlatform().daemon().start(() -> {
                try (Connection c = f.source.dataSource().getConnection();
                        Statement s = c.createStatement()) {
                    while (writing.get()) {
                        int k = ThreadLocalRandom.current().nextInt(1, 2_000); // a hot range: overlapping keys
                        switch (ThreadLocalRandom.current().nextInt(4)) {
                            case 0 -> s.execute("DELETE FROM items WHERE k = " + k);
                            case 1 ->
                                s.execute(
                                        "INSERT INTO items VALUES (" + k
                                                + ", 'again', 1.5, 0.1, now(), true, '', '[1]', 'ok')"
                                                + " ON CONFLICT (k) DO UPDATE SET name = 'upserted', amount = items.amount + 1");
                            default ->
                                s.execute("UPDATE items SET amount = amount + 0.01, score = random(), seen = now(),"
                                        + " note = CASE WHEN note IS NULL THEN '' ELSE NULL END WHERE k = " + k);
                        }
                        writes.incrementAndGet();
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        try {
            Verifier verifier = f.verifier();
            for (int run = 0; run < 3; run++) {
                long before = writes.get();
                Verification v = verifier.verify(null);
                assertThat(writes.get() - before)
                        .as("writes during the verification")
                        .isGreaterThan(100);
                assertThat(v.driftRows()).as(v.drift().toString()).isZero();
                assertThat(v.unresolved()).isZero();
                // Invariants compare two moments of a moving table; only the rows are asserted under load.
            }
        } finally {
            writing.set(false);
            for (Thread w : writers) {
                w.join();
            }
        }
        f.drain();
        relay.stop();
        relayThread.join(10_000);
        // Once quiet, the sides are equal row for row (at the target's millisecond precision), and so says a
        // verification: what it reported under load was not hiding drift.
        String projected =
                "SELECT md5(string_agg(ROW(k, name, amount, score, seen::timestamptz(3), flag, note, doc, mood)::text,"
                        + " ',' ORDER BY k)) FROM ";
        assertThat(MoveFixture.rows(f.source.dataSource(), projected + "items"))
                .isEqualTo(MoveFixture.rows(f.target.dataSource(), projected + "items_new"));
        Verification quiet = f.verifier().verify(null);
        assertThat(quiet.passed()).as(quiet.toString()).isTrue();
    }

    @Test
    void shouldRefuseTheCutoverWithoutAPassingVerificationInTheWindow() {
        MoveFixture f = new MoveFixture(MoveFixture.KeyKind.INT, true);
        MoveFixture gated = f;
        assertThatThrownBy(() -> gated.engine.cutover(TransitionRequest.active()))
                .isInstanceOfSatisfying(
                        TandemException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.GATE_REFUSED))
                .hasMessageContaining("no verification of 0001_move_items has run");
        MoveFixture.exec(f.target.dataSource(), "UPDATE items_new SET name = 'drifted' WHERE k = 5");
        assertThat(f.verifier().verify(null).passed()).isFalse();
        assertThatThrownBy(() -> gated.engine.cutover(TransitionRequest.active()))
                .hasMessageContaining("did not pass: 1 drifted row(s)");
        assertThat(f.verifier().repair(null, false).after().passed()).isTrue();
        assertThat(f.engine.cutover(TransitionRequest.active()).phase()).isEqualTo(Phase.CUT_OVER);
    }
}
