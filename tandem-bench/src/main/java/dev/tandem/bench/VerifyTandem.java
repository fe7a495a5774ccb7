package dev.tandem.bench;

import dev.tandem.verify.Drift;
import dev.tandem.verify.TablePair;
import dev.tandem.verify.Verification;
import dev.tandem.verify.Verifier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * tandem's side of the verification benchmark: {@link Verifier#compareTables} on the two stores, with
 * the verifier's defaults but for {@code parallelism}, timed from the call to its return.
 */
final class VerifyTandem {
    /**
     * A run.
     *
     * @param seconds from the call to its return
     * @param verification what the verifier returned
     * @param streamRowsPerSecond the verifier's own figure for the drill-down's (key, hash) streaming, rows of
     *     both sides over the time the streams took; 0 when nothing was streamed
     */
    record Run(double seconds, Verification verification, double streamRowsPerSecond) {
        /** The drifted keys as the verifier names them, without the row value's parentheses. */
        List<String> keys() {
            return verification.drift().stream()
                    .map(Drift::key)
                    .map(k -> k.replaceAll("^\\((.*)\\)$", "$1"))
                    .toList();
        }

        Map<String, Object> figures(long rows) {
            Map<String, Object> m = new LinkedHashMap<>();
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

    Run compare(String oldTable, Store neu, String newTable) {
        long began = System.nanoTime();
        Verification v = verifier.compareTables(
                new TablePair("public." + oldTable, neu.database(), "public." + newTable, List.of("id")));
        return new Run((System.nanoTime() - began) / 1e9, v, verifier.lastStreamRate());
    }
}
