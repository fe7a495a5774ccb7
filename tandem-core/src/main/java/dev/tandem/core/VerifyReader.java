package dev.tandem.core;

import dev.tandem.core.Node.ListNode;
import dev.tandem.core.Node.MapNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a file's {@code verify:} section into a {@link VerifySpec}, collecting problems. */
final class VerifyReader {
    static final List<String> FIELDS = List.of("invariants", "max_drift_rows", "window");
    static final List<String> INVARIANT_FIELDS = List.of("name", "old", "new");

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Pattern COUNT = Pattern.compile("\\d{1,18}");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");
    private static final Pattern QUERY = Pattern.compile("(?is)\\s*(select|with)\\b.*");

    private final Problems problems;

    VerifyReader(Problems problems) {
        this.problems = problems;
    }

    /** The section of {@code f}'s migration; {@link VerifySpec#DEFAULT} when it has none. */
    VerifySpec read(Fields f) {
        MapNode map = f.map("verify", false);
        if (map == null) {
            return VerifySpec.DEFAULT;
        }
        Fields v = Fields.of(map, "verify", FIELDS, problems);
        return new VerifySpec(invariants(v), maxDriftRows(v), window(v), map.location());
    }

    private long maxDriftRows(Fields v) {
        String text = v.string("max_drift_rows", false);
        if (text == null) {
            return 0;
        }
        if (!COUNT.matcher(text).matches()) {
            v.problem(
                    "max_drift_rows",
                    "max_drift_rows " + Problems.quote(text) + " must be a whole number of rows, 0 or more (0: no"
                            + " drifted row is allowed)");
            return 0;
        }
        return Long.parseLong(text);
    }

    private Duration window(Fields v) {
        String text = v.string("window", false);
        if (text == null) {
            return VerifySpec.DEFAULT_WINDOW;
        }
        Matcher m = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            v.problem(
                    "window",
                    "window " + Problems.quote(text) + " must be a positive duration such as 30m, 1h or 2d (units: ms,"
                            + " s, m, h, d): how long a passing verification counts for the cutover gate");
            return VerifySpec.DEFAULT_WINDOW;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    private List<VerifySpec.Invariant> invariants(Fields v) {
        ListNode list = v.list("invariants", false);
        if (list == null) {
            return List.of();
        }
        List<VerifySpec.Invariant> out = new ArrayList<>();
        Map<String, SourceLocation> seen = new HashMap<>();
        for (Node item : list.items()) {
            MapNode map = Fields.asMap(item, "an invariant", problems);
            if (map == null) {
                continue;
            }
            Fields i = Fields.of(map, "invariant", INVARIANT_FIELDS, problems);
            String name = i.string("name", true);
            if (name != null) {
                if (!NAME.matcher(name).matches()) {
                    i.problem(
                            "name",
                            "invariant name " + Problems.quote(name) + " must match [a-z][a-z0-9_]* (it names the"
                                    + " invariant in results and metrics)");
                } else {
                    SourceLocation first = seen.putIfAbsent(name, i.at("name"));
                    if (first != null) {
                        i.problem(
                                "name",
                                "invariant " + Problems.quote(name) + " is named twice (first at " + first + ")");
                    }
                }
            }
            String oldSql = query(i, "old", name);
            String newSql = query(i, "new", name);
            out.add(new VerifySpec.Invariant(name, oldSql, newSql, map.location()));
        }
        return out;
    }

    /** One read-only query: SELECT or WITH, one statement. */
    private String query(Fields i, String side, String name) {
        String sql = i.string(side, true);
        if (sql == null) {
            return null;
        }
        String body = sql.strip();
        if (body.endsWith(";")) {
            body = body.substring(0, body.length() - 1).strip();
        }
        String what = "'" + side + "' of invariant " + (name == null ? "" : Problems.quote(name) + " ");
        if (!QUERY.matcher(body).matches()) {
            i.problem(
                    side,
                    what + "must be a query (SELECT or WITH) returning one row, run on the " + side + " side; got "
                            + Problems.quote(sql));
        } else if (body.contains(";")) {
            i.problem(side, what + "must be one statement; remove the ';' inside it");
        }
        return body;
    }
}
