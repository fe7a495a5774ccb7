package dev.tandem.cli;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Operation.MoveTable;
import dev.tandem.core.TandemException;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.TransitionRequest;
import dev.tandem.verify.Drift;
import dev.tandem.verify.Repair;
import dev.tandem.verify.Verification;
import dev.tandem.verify.Verifier;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The verification before the move's cutover, as an operator runs it: {@code tandem verify} passes on
 * the moved table; a change written straight to the target, behind the relay's back, makes the next
 * one fail and name the keys, and the cutover gate refuses; {@code tandem verify --repair} rewrites
 * them from the source through the relay and verifies clean, which opens the gate.
 */
final class DemoVerify {
    private final MoveTable move;
    private final DemoStores stores;
    private final PrintWriter out;
    private final DemoChecks checks;

    DemoVerify(MoveTable move, DemoStores stores, PrintWriter out, DemoChecks checks) {
        this.move = move;
        this.stores = stores;
        this.out = out;
        this.checks = checks;
    }

    void run(Engine engine) throws SQLException {
        Verifier verifier = Verifier.builder(stores.source())
                .stores(Map.of(move.toStore(), stores.target()))
                .build();
        say(
                "tandem verify --store %s=...: a fingerprint per key range on each store, compared; only a range"
                        + " that differs would be read row by row.",
                move.toStore());
        Verification clean = verifier.verify(null);
        show(clean);
        checks.check(
                clean.passed() && clean.driftRows() == 0,
                "tandem verify passed: " + move.toStore() + "." + move.toTable() + " equals orders mapped through"
                        + " columns (" + Human.count(clean.rows()) + " rows, " + Human.duration(clean.took()) + ")",
                VerificationView.verdict(clean));

        List<Long> ids = ids();
        long changed = ids.get(0);
        long deleted = ids.get(1);
        say("");
        say(
                "Drift behind the relay's back, straight on the target: UPDATE invoices SET total_cents ="
                        + " total_cents + 1 WHERE id = %d; DELETE FROM invoices WHERE id = %d.",
                changed, deleted);
        execute("UPDATE public.invoices SET total_cents = coalesce(total_cents, 0) + 1 WHERE id = " + changed
                + ";\nDELETE FROM public.invoices WHERE id = " + deleted);
        say("tandem verify:");
        Verification found = verifier.verify(null);
        show(found);
        Set<String> named =
                found.drift().stream().map(d -> d.key() + " " + d.kind()).collect(Collectors.toSet());
        Set<String> expected =
                Set.of("(" + changed + ") " + Drift.Kind.CHANGED, "(" + deleted + ") " + Drift.Kind.MISSING_ON_NEW);
        checks.check(
                !found.passed() && named.equals(expected),
                "tandem verify failed (exit 1) and named both keys: (" + changed + ") CHANGED, (" + deleted
                        + ") MISSING_ON_NEW",
                "found " + named + ", " + VerificationView.verdict(found));

        String refusal = cutoverRefusal(engine);
        say("tandem cutover: %s", refusal == null ? "it went ahead" : "refused: " + refusal);
        checks.check(
                refusal != null && refusal.contains("did not pass"),
                "tandem cutover is refused while the last verification failed",
                refusal == null ? "the cutover went ahead" : refusal);

        say("");
        say("tandem verify --repair --dry-run:");
        Repair dry = verifier.repair(null, true);
        show(dry);
        say("tandem verify --repair: the source's rows at those keys, captured again and delivered through the"
                + " relay's versioned apply, then a verification:");
        Repair repair = verifier.repair(null, false);
        show(repair);
        checks.check(
                dry.planned().size() == 2
                        && repair.after() != null
                        && repair.after().passed(),
                "tandem verify --repair rewrote the 2 keys and verified clean, so the cutover gate opens",
                repair.after() == null ? "no verification after the repair" : VerificationView.verdict(repair.after()));
    }

    /** Two keys the target holds, for the drift. */
    private List<Long> ids() throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (Connection c = stores.target().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id FROM public.invoices ORDER BY id LIMIT 2 OFFSET 40")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    /** What the gate says of a cutover now; null when it let the cutover through. */
    private static String cutoverRefusal(Engine engine) {
        try {
            engine.cutover(TransitionRequest.active());
            return null;
        } catch (TandemException e) {
            if (e.code() != ErrorCode.GATE_REFUSED) {
                throw e;
            }
            return e.getMessage()
                    .lines()
                    .skip(1)
                    .findFirst()
                    .orElse(e.getMessage())
                    .strip();
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = stores.target().getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** A verification as `tandem verify` prints it, indented, without the method's long line. */
    private void show(Verification v) {
        StringWriter text = new StringWriter();
        VerificationView.print(v, new PrintWriter(text));
        indented(text);
    }

    private void show(Repair r) {
        StringWriter text = new StringWriter();
        VerificationView.print(r, new PrintWriter(text));
        indented(text);
    }

    private void indented(StringWriter text) {
        text.toString()
                .lines()
                .filter(l -> !l.startsWith("method "))
                .forEach(l -> out.println(l.isEmpty() ? "" : "  " + l));
        out.flush();
    }

    private void say(String format, Object... args) {
        out.println(args.length == 0 ? format : String.format(Locale.ROOT, format, args));
        out.flush();
    }
}
