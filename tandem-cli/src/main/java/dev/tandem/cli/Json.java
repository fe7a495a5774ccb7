package dev.tandem.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tandem.postgres.BackfillProgress;
import dev.tandem.postgres.ClientHeartbeat;
import dev.tandem.postgres.ClientReport;
import dev.tandem.postgres.FlagChange;
import dev.tandem.postgres.HistoryEntry;
import dev.tandem.postgres.MigrationFlags;
import dev.tandem.postgres.MigrationStatus;
import dev.tandem.postgres.ShadowReads;
import dev.tandem.postgres.ShadowSample;
import dev.tandem.postgres.UnfinishedStage;
import dev.tandem.relay.MoveStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The {@code --json} output. Field names are a contract with scripts: add fields, never rename them.
 * Instants are ISO-8601 strings; absent values are {@code null}.
 */
final class Json {
    private static final JsonFactory FACTORY = new JsonFactory();

    private Json() {}

    /** One migration's status, or {@code null} when there is none. */
    static void status(MigrationStatus status, PrintWriter out) {
        status(status, List.of(), out);
    }

    /** One migration's status with the tables it moves, or {@code null} when there is none. */
    static void status(MigrationStatus status, List<MoveReport> moves, PrintWriter out) {
        write(out, g -> {
            if (status == null) {
                g.writeNull();
            } else {
                status(g, status, moves);
            }
        });
    }

    /** One migration's status with the tables it moves and its clients. */
    static void status(MigrationStatus status, List<MoveReport> moves, ClientReport clients, PrintWriter out) {
        status(status, moves, clients, null, out);
    }

    /** As above, with the last verification (its {@code verification} is null when none was recorded). */
    static void status(
            MigrationStatus status,
            List<MoveReport> moves,
            ClientReport clients,
            VerificationJson.LastVerification verification,
            PrintWriter out) {
        write(out, g -> status(g, status, moves, clients, verification, true));
    }

    /** Several migrations' statuses, as an array, each with its moves and its clients, by migration id. */
    static void statuses(
            List<MigrationStatus> statuses,
            Map<String, List<MoveReport>> moves,
            Map<String, ClientReport> clients,
            Map<String, VerificationJson.LastVerification> verifications,
            PrintWriter out) {
        write(out, g -> {
            g.writeStartArray();
            for (MigrationStatus s : statuses) {
                status(
                        g,
                        s,
                        moves.getOrDefault(s.id(), List.of()),
                        clients.get(s.id()),
                        verifications.get(s.id()),
                        true);
            }
            g.writeEndArray();
        });
    }

    static void history(List<HistoryEntry> entries, PrintWriter out) {
        write(out, g -> {
            g.writeStartArray();
            for (HistoryEntry e : entries) {
                g.writeStartObject();
                g.writeNumberField("sequence", e.sequence());
                g.writeStringField("migration", e.migrationId());
                g.writeStringField("schema", e.schema());
                g.writeStringField("from", e.from() == null ? null : e.from().name());
                g.writeStringField("to", e.to() == null ? null : e.to().name());
                instant(g, "at", e.at());
                g.writeBooleanField("forced", e.forced());
                g.writeStringField("reason", e.reason());
                g.writeStringField("actor", e.actor());
                g.writeNumberField("attempt", e.attempt());
                g.writeStringField("checksum", e.checksum());
                g.writeStringField("event", e.kind() == HistoryEntry.Kind.FLAGS ? "flags" : "phase");
                g.writeStringField("detail", e.detail());
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    /** What {@code tandem flag} did: the flags now, and before. */
    static void flags(FlagChange change, PrintWriter out) {
        write(out, g -> {
            g.writeStartObject();
            g.writeStringField("migration", change.after().migrationId());
            g.writeStringField("phase", change.phase().name());
            g.writeBooleanField("changed", change.changed());
            flagFields(g, change.after());
            g.writeObjectFieldStart("before");
            flagFields(g, change.before());
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    private static void flagFields(JsonGenerator g, MigrationFlags f) throws IOException {
        g.writeNumberField("readsNewPercent", f.readsNewPercent());
        g.writeStringField("shape", f.shape().wireName());
        instant(g, "updatedAt", f.updatedAt());
        g.writeStringField("updatedBy", f.updatedBy());
    }

    /** The flags, clients and shadow reads of a migration; null when they could not be read. */
    private static void clients(JsonGenerator g, ClientReport report) throws IOException {
        g.writeFieldName("flags");
        if (report == null) {
            g.writeNull();
            g.writeNullField("clients");
            g.writeNullField("shadow");
            return;
        }
        g.writeStartObject();
        flagFields(g, report.flags());
        g.writeEndObject();
        g.writeArrayFieldStart("clients");
        for (ClientHeartbeat c : report.clients()) {
            g.writeStartObject();
            g.writeStringField("service", c.service());
            g.writeStringField("instance", c.instance());
            g.writeStringField("side", c.side().wireName());
            g.writeFieldName("readsNewPercent");
            if (c.readsNewPercent() == null) {
                g.writeNull();
            } else {
                g.writeNumber(c.readsNewPercent());
            }
            instant(g, "seenAt", c.seenAt());
            g.writeNumberField("ageSeconds", c.age().toSeconds());
            g.writeBooleanField("stale", c.stale());
            g.writeNumberField("shadowCompared", c.shadowCompared());
            g.writeNumberField("shadowMismatched", c.shadowMismatched());
            g.writeEndObject();
        }
        g.writeEndArray();
        ShadowReads shadow = report.shadow();
        g.writeObjectFieldStart("shadow");
        g.writeNumberField("compared", shadow.compared());
        g.writeNumberField("mismatched", shadow.mismatched());
        g.writeNumberField("mismatchRate", shadow.mismatchRate());
        g.writeArrayFieldStart("samples");
        for (ShadowSample sample : shadow.samples()) {
            g.writeStartObject();
            g.writeStringField("service", sample.service());
            g.writeStringField("instance", sample.instance());
            g.writeStringField("key", sample.key());
            g.writeStringField("difference", sample.difference());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void status(JsonGenerator g, MigrationStatus s, List<MoveReport> moves) throws IOException {
        status(g, s, moves, null, null, false);
    }

    private static void status(
            JsonGenerator g,
            MigrationStatus s,
            List<MoveReport> moves,
            ClientReport clients,
            VerificationJson.LastVerification verification,
            boolean full)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("id", s.id());
        g.writeStringField("schema", s.schema());
        g.writeStringField("versionSchema", s.versionSchema());
        g.writeStringField("phase", s.phase() == null ? null : s.phase().name());
        g.writeBooleanField("active", s.phase() != null && s.phase().active());
        g.writeStringField("checksum", s.checksum());
        instant(g, "createdAt", s.createdAt());
        instant(g, "updatedAt", s.updatedAt());
        g.writeFieldName("backfill");
        BackfillProgress b = s.backfill();
        if (b == null) {
            g.writeNull();
        } else {
            g.writeStartObject();
            g.writeStringField("table", b.table());
            g.writeStringField("state", b.state() == null ? null : b.state().name());
            g.writeStringField("failure", b.failure());
            g.writeNumberField("rowsDone", b.rowsDone());
            g.writeNumberField("rowsTotal", b.rowsTotal());
            g.writeNumberField("rowsPerSecond", b.rowsPerSecond());
            g.writeFieldName("etaSeconds");
            if (b.eta() == null) {
                g.writeNull();
            } else {
                g.writeNumber(b.eta().toSeconds());
            }
            g.writeEndObject();
        }
        g.writeFieldName("unfinished");
        UnfinishedStage u = s.unfinished();
        if (u == null) {
            g.writeNull();
        } else {
            g.writeStartObject();
            g.writeStringField("command", u.command());
            g.writeNumberField("stepsDone", u.stepsDone());
            g.writeNumberField("stepsTotal", u.stepsTotal());
            g.writeEndObject();
        }
        g.writeStringField("rollbackRefusal", s.rollbackRefusal());
        g.writeStringField("catchingUp", s.catchingUp());
        g.writeArrayFieldStart("moves");
        for (MoveReport move : moves) {
            move(g, move);
        }
        g.writeEndArray();
        if (full) {
            clients(g, clients);
            VerificationJson.last(g, verification);
        }
        g.writeStringField("next", StatusView.next(s));
        g.writeEndObject();
    }

    /** A move; {@code appliedPerSecond} is null when its store was not given. */
    private static void move(JsonGenerator g, MoveReport report) throws IOException {
        MoveStatus m = report.status();
        g.writeStartObject();
        g.writeStringField("id", report.spec().migrationId());
        g.writeStringField("table", report.spec().sourceTable());
        g.writeStringField("store", report.store());
        g.writeStringField("authoritative", report.authoritative().name().toLowerCase(java.util.Locale.ROOT));
        g.writeStringField("targetSchema", report.spec().targetSchema());
        g.writeStringField("targetTable", report.spec().targetTable());
        g.writeBooleanField("backfilled", m.backfilled());
        g.writeStringField("catchingUp", m.catchingUp());
        g.writeNumberField("backlog", m.backlog());
        g.writeNumberField("lagMs", m.lag().toMillis());
        g.writeNumberField("maxLagMs", m.maxLag().toMillis());
        g.writeFieldName("appliedPerSecond");
        if (m.appliedPerSecond() == null) {
            g.writeNull();
        } else {
            g.writeNumber(m.appliedPerSecond());
        }
        g.writeNumberField("openDeadLetters", m.openDeadLetters());
        g.writeBooleanField("copyDone", m.copyDone());
        g.writeNumberField("copiedRows", m.copiedRows());
        instant(g, "copiedAt", m.copiedAt());
        g.writeEndObject();
    }

    static void instant(JsonGenerator g, String field, Instant value) throws IOException {
        g.writeStringField(field, value == null ? null : value.toString());
    }

    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    /** Writes one JSON value, pretty-printed, and a newline. */
    static void write(PrintWriter out, Body body) {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.useDefaultPrettyPrinter();
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.println();
        out.flush();
    }
}
