package dev.tandem.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tandem.verify.Drift;
import dev.tandem.verify.InvariantResult;
import dev.tandem.verify.Repair;
import dev.tandem.verify.Verification;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The {@code --json} of {@code verify} and the {@code verification} of {@code status}. As in {@link
 * Json}, field names are a contract with scripts: add fields, never rename them.
 */
final class VerificationJson {
    private VerificationJson() {}

    static void verification(Verification v, PrintWriter out) {
        Json.write(out, g -> verification(g, v));
    }

    /** {@code {dryRun, planned: [drift...], after: verification | null}}. */
    static void repair(Repair r, PrintWriter out) {
        Json.write(out, g -> {
            g.writeStartObject();
            g.writeBooleanField("dryRun", r.dryRun());
            g.writeNumberField("plannedRows", r.planned().size());
            g.writeFieldName("planned");
            drift(g, r.planned());
            g.writeFieldName("after");
            if (r.after() == null) {
                g.writeNull();
            } else {
                verification(g, r.after());
            }
            g.writeEndObject();
        });
    }

    static void verification(JsonGenerator g, Verification v) throws IOException {
        g.writeStartObject();
        g.writeNumberField("id", v.id());
        g.writeStringField("migration", v.migrationId());
        Json.instant(g, "startedAt", v.startedAt());
        g.writeNumberField("tookMs", v.took().toMillis());
        g.writeArrayFieldStart("compared");
        for (String c : v.compared()) {
            g.writeString(c);
        }
        g.writeEndArray();
        g.writeStringField("method", v.method());
        g.writeNumberField("rows", v.rows());
        g.writeNumberField("rowsPerSecond", v.rowsPerSecond());
        g.writeNumberField("driftRows", v.driftRows());
        g.writeNumberField("maxDriftRows", v.maxDriftRows());
        g.writeFieldName("drift");
        drift(g, v.drift());
        g.writeNumberField("suspectsCleared", v.suspectsCleared());
        g.writeNumberField("unresolved", v.unresolved());
        g.writeArrayFieldStart("invariants");
        for (InvariantResult i : v.invariants()) {
            g.writeStartObject();
            g.writeStringField("name", i.name());
            g.writeStringField("old", i.oldValue());
            g.writeStringField("new", i.newValue());
            g.writeBooleanField("held", i.held());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeBooleanField("passed", v.passed());
        g.writeEndObject();
    }

    private static void drift(JsonGenerator g, List<Drift> drift) throws IOException {
        g.writeStartArray();
        for (Drift d : drift) {
            g.writeStartObject();
            g.writeStringField("table", d.table());
            g.writeStringField("key", d.key());
            g.writeStringField("kind", d.kind().name());
            g.writeArrayFieldStart("fields");
            for (Drift.FieldDiff f : d.fields()) {
                g.writeStartObject();
                g.writeStringField("column", f.column());
                g.writeStringField("old", f.oldValue());
                g.writeStringField("new", f.newValue());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /**
     * The last verification as {@code status} shows it: null when none was recorded; else when it ran,
     * whether it passed, its figures, and whether it counts for the cutover gate now ({@code withinWindow}).
     */
    static void last(JsonGenerator g, LastVerification last) throws IOException {
        g.writeFieldName("verification");
        Verification v = last == null ? null : last.verification();
        if (v == null) {
            g.writeNull();
            return;
        }
        Instant ended = v.startedAt().plus(v.took());
        g.writeStartObject();
        g.writeNumberField("id", v.id());
        Json.instant(g, "startedAt", v.startedAt());
        Json.instant(g, "endedAt", ended);
        g.writeBooleanField("passed", v.passed());
        g.writeNumberField("rows", v.rows());
        g.writeNumberField("driftRows", v.driftRows());
        g.writeNumberField("maxDriftRows", v.maxDriftRows());
        g.writeNumberField("unresolved", v.unresolved());
        g.writeNumberField("windowSeconds", last.window().toSeconds());
        g.writeBooleanField("withinWindow", last.withinWindow());
        g.writeEndObject();
    }

    /** A migration's last verification (null when none was recorded), its file's window, and when it was read. */
    record LastVerification(Verification verification, Duration window, Instant now) {
        boolean withinWindow() {
            return verification != null && verification.passedWithin(window, now);
        }

        String summary() {
            return VerificationView.summary(verification, window, now);
        }
    }
}
