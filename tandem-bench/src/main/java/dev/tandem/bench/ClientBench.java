package dev.tandem.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmarks of {@code tandem-client}, the library services embed, each against a baseline from the
 * same run: the write stall of a fenced cutover under a steady write load (against the same writes away
 * from the fences), flag propagation to many clients, the added cost of the shape-selecting DataSource
 * per checkout (against the plain pool), and the caller's latency with shadow reads on (against the
 * same reads without them).
 *
 * <p>Everything runs on the shared embedded server (fsync and synchronous_commit off), the move between
 * two of its databases: on this shared two-core machine the relay benchmarks' servers, with fsync on,
 * could not sustain 2,000 single-row write transactions a second with capture on (a trial run reached
 * 560), and a write load the server cannot keep up with measures the queue, not the fence.
 */
final class ClientBench {
    /**
     * The sizes of a run.
     *
     * @param rows orders in the moved table
     * @param stall the cutover stall run
     * @param shadow the shadow-read runs
     * @param flags the flag propagation rounds
     * @param checkout the checkout timings
     * @param controlRate the write rate of a second cutover run on a move of its own, one this shared
     *     machine keeps up with even when the target's rate is beyond it; 0 for none
     */
    record Settings(
            long rows,
            CutoverStall.Settings stall,
            ShadowReadCost.Settings shadow,
            FlagPropagation.Settings flags,
            CheckoutOverhead.Settings checkout,
            int controlRate) {
        static final Settings FULL = new Settings(
                20_000,
                new CutoverStall.Settings(2_000, 16, 10, 8, 1_000),
                new ShadowReadCost.Settings(1_000, 4, 8, 6, 0.10),
                new FlagPropagation.Settings(50, 30, 300),
                new CheckoutOverhead.Settings(4, 200_000, 1_000),
                1_000);
        static final Settings QUICK = new Settings(
                5_000,
                new CutoverStall.Settings(2_000, 16, 3, 3, 1_000),
                new ShadowReadCost.Settings(1_000, 4, 3, 2, 0.10),
                new FlagPropagation.Settings(50, 5, 200),
                new CheckoutOverhead.Settings(4, 20_000, 1_000),
                1_000);

        /** These settings with the cutover run's write rate set to {@code rate}. */
        Settings withRate(int rate) {
            CutoverStall.Settings st = new CutoverStall.Settings(
                    rate, stall.writers(), stall.steadySeconds(), stall.gapSeconds(), stall.windowMillis());
            return new Settings(rows, st, shadow, flags, checkout, controlRate);
        }
    }

    /** The parts of the suite; {@code --client-parts} runs some of them. */
    static final List<String> PARTS = List.of("shadow", "cutover", "checkout", "flags");

    private ClientBench() {}

    static Map<String, Object> run(Settings s, List<String> parts) throws Exception {
        if (!PARTS.containsAll(parts)) {
            throw new IllegalArgumentException("--client-parts takes " + String.join(", ", PARTS) + ", not " + parts);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        long t = System.nanoTime();
        r.put("load_average_at_start", loadAverage());
        if (parts.contains("shadow") || parts.contains("cutover")) {
            try (ClientMove move = ClientMove.start(s.rows(), s.stall().writers() + 2)) {
                r.put("postgres", move.settings());
                r.put("rows", s.rows());
                // Shadow reads first, at BACKFILLED with no writes: the cutover run changes the phase.
                if (parts.contains("shadow")) {
                    BenchDb.log("client: shadow reads");
                    r.put("shadow_reads", ShadowReadCost.run(move, s.shadow()));
                }
                if (parts.contains("cutover")) {
                    BenchDb.log("client: cutover stall at " + s.stall().rate() + " writes/s");
                    r.put("cutover_stall", CutoverStall.run(move, s.stall()));
                }
            }
            if (parts.contains("cutover") && s.controlRate() > 0) {
                try (ClientMove move = ClientMove.start(s.rows(), s.stall().writers() + 2)) {
                    BenchDb.log("client: cutover stall at " + s.controlRate() + " writes/s (control)");
                    r.put(
                            "cutover_stall_control",
                            CutoverStall.run(move, s.withRate(s.controlRate()).stall()));
                }
            }
        }
        if (parts.contains("checkout") || parts.contains("flags")) {
            ClientInStore store = ClientInStore.start("client", 10_000);
            if (parts.contains("checkout")) {
                BenchDb.log("client: checkout overhead");
                r.put("checkout", CheckoutOverhead.run(store, s.checkout()));
            }
            if (parts.contains("flags")) {
                BenchDb.log("client: flag propagation");
                r.put("flag_propagation", FlagPropagation.run(store, s.flags()));
            }
        }
        r.put("load_average_at_end", loadAverage());
        r.put("total_seconds", (System.nanoTime() - t) / 1e9);
        return r;
    }

    /** The 1, 5 and 15 minute load averages: the machine is shared, and the report says under what load. */
    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
