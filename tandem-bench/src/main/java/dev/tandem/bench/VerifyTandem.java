package dev.tandem.bench;

import dev.tandem.verify.Drift;
import dev.tandem.verify.TablePair;
import dev.tandem.verify.Verification;
import dev.tandem.verify.Verifier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * tandem's side of the verification benchmark: {@link Verifier#compareTables} on the two stores, with
 * the verifier's defaults but for {@code parallelism}, timed from the call to its return.
 */
final class VerifyTandem {
    /**
     * A run.
     *
     * @param seconds from the call to its return (or its failure)
     * @param verification what the verifier returned; null when it failed
     * @param streamRowsPerSecond the verifier's own figure for the drill-down's (key, hash) streaming, rows of
     *     both sides over the time the streams took; 0 when nothing was streamed
     * @param error why it failed; null when it did not
     */
    record Run(double seconds, Verification verification, double streamRowsPerSecond, String error) {
        boolean failed() {
            return verification == null;
        }

        /** The drifted keys as the verifier names them (without the row value's parentheses), and their kind. */
        Map<String, String> reported() {
            Map<String, String> m = new LinkedHashMap<>();
            if (verification != null) {
                for (Drift d : verification.drift()) {
                    m.put(
                            d.key().replaceAll("^\\((.*)\\)$", "$1"),
                            d.kind().name().toLowerCase(Locale.ROOT));
                }
            }
            return m;
        }

        Map<String, Object> figures(long rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            if (failed()) {
                // No rate: a failed run's figures stay out of the medians.
                m.put("failed_after_seconds", seconds);
                m.put("error", error);
                return m;
            }
            m.put("seconds", seconds);
            m.put("rows_per_second", rows / seconds);
            m.put("rows_compared", verification.rows());
            m.put("verifier_rows_per_second", verification.rowsPerSecond());
            m.put("drift_rows", verification.driftRows());
            m.put("suspects_cleared", verification.suspectsCleared());
            m.put("unresolved", verification.unresolved());
            m.put("passed", String.valueOf(verification.passed()));
            m.put("stream_rows_per_second", streamRowsPerSecond);
            return m;
        }
    }

    private final Verifier verifier;
    private final int parallelism;

    VerifyTandem(Store old, Store neu, int parallelism) {
        this.parallelism = parallelism;
        this.verifier = Verifier.builder(old.dataSource("tandem-verify"))
                .stores(Map.of(neu.database(), neu.dataSource("tandem-verify")))
                .parallelism(parallelism)
                .build();
    }

    int parallelism() {
        return parallelism;
    }

    /**
     * Runs one comparison. A failure is a result, not the end of the suite: the report says what failed
     * and how long it ran, and the other figures are still measured.
     */
    Run compare(String oldTable, Store neu, String newTable) {
        long began = System.nanoTime();
        try {
            Verification v = verifier.compareTables(
                    new TablePair("public." + oldTable, neu.database(), "public." + newTable, List.of("id")));
            return new Run((System.nanoTime() - began) / 1e9, v, verifier.lastStreamRate(), null);
        } catch (RuntimeException | OutOfMemoryError e) {
            BenchDb.log("verify: tandem failed on " + newTable + ": " + e);
            return new Run((System.nanoTime() - began) / 1e9, null, 0, e.toString());
        }
    }
}
