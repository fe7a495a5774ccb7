package dev.tandem.core;

import dev.tandem.core.Node.Entry;
import dev.tandem.core.Node.Kind;
import dev.tandem.core.Node.ListNode;
import dev.tandem.core.Node.MapNode;
import dev.tandem.core.Node.Scalar;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Typed, located access to the keys of one map of a migration file. Each accessor reports what is
 * wrong (missing, empty, wrong type) to {@link Problems} and returns null or an empty value instead
 * of failing, so that one pass finds every problem.
 */
final class Fields {
    static final int MAX_IDENTIFIER_BYTES = 63;

    private final MapNode map;
    private final String context;
    private final Problems problems;

    private Fields(MapNode map, String context, Problems problems) {
        this.map = map;
        this.context = context;
        this.problems = problems;
    }

    /** Wraps {@code map}, refusing every key not in {@code known} with a suggestion. */
    static Fields of(MapNode map, String context, List<String> known, Problems problems) {
        for (Entry entry : map.entries().values()) {
            if (!known.contains(entry.key())) {
                problems.add(
                        entry.keyLocation(),
                        "unknown key " + Problems.quote(entry.key()) + " in " + context
                                + Suggestions.didYouMean(entry.key(), known));
            }
        }
        return new Fields(map, context, problems);
    }

    /** The node as a map, or null after reporting what it is instead. */
    static MapNode asMap(Node node, String what, Problems problems) {
        if (node instanceof MapNode map) {
            return map;
        }
        problems.add(node.location(), what + " must be a map, not " + node.description());
        return null;
    }

    /** Reports an identifier that PostgreSQL would refuse or truncate. */
    static void checkIdentifier(String name, SourceLocation at, Problems problems) {
        if (name == null) {
            return;
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (name.isBlank()) {
            problems.add(at, "an identifier must not be empty");
        } else if (bytes > MAX_IDENTIFIER_BYTES) {
            problems.add(
                    at,
                    "identifier " + Problems.quote(name) + " is " + bytes + " bytes long; PostgreSQL allows at most "
                            + MAX_IDENTIFIER_BYTES);
        }
    }

    SourceLocation location() {
        return map.location();
    }

    boolean has(String key) {
        return map.entries().containsKey(key);
    }

    /** Whether {@code key} is present with the value null ({@code ~} or {@code null}). */
    boolean isNull(String key) {
        return node(key) instanceof Scalar s && s.kind() == Kind.NULL;
    }

    /** The value of {@code key}, or null when absent. */
    Node node(String key) {
        Entry entry = map.entries().get(key);
        return entry == null ? null : entry.value();
    }

    /** Where the value of {@code key} is, or where the map is when the key is absent. */
    SourceLocation at(String key) {
        Node node = node(key);
        return node == null ? map.location() : node.location();
    }

    void problem(String key, String message) {
        problems.add(at(key), message);
    }

    /** A scalar's text (numbers and booleans as written); null when absent, null or not a scalar. */
    String string(String key, boolean required) {
        Node node = node(key);
        if (node == null) {
            if (required) {
                problems.add(map.location(), "missing required field '" + key + "' in " + context);
            }
            return null;
        }
        if (!(node instanceof Scalar scalar)) {
            problems.add(
                    node.location(), "'" + key + "' in " + context + " must be a string, not " + node.description());
            return null;
        }
        if (scalar.kind() == Kind.NULL && !required) {
            return null;
        }
        if (scalar.text() == null || scalar.text().isBlank()) {
            problems.add(
                    node.location(),
                    "'" + key + "' in " + context + " must not be empty"
                            + (required ? "" : "; give a value or remove it"));
            return null;
        }
        return scalar.text();
    }

    /** An SQL expression of {@code up} or {@code down}, with pgroll's {@code SELECT <expression>} read as the expression. */
    String expression(String key, boolean required) {
        return SqlExpressions.normalize(string(key, required));
    }

    String identifier(String key, boolean required) {
        String name = string(key, required);
        checkIdentifier(name, at(key), problems);
        return name;
    }

    /** true or false; null when absent or null. */
    Boolean bool(String key) {
        Node node = node(key);
        if (node == null || node instanceof Scalar s && s.kind() == Kind.NULL) {
            return null;
        }
        if (node instanceof Scalar s && s.kind() == Kind.BOOLEAN) {
            return Boolean.parseBoolean(s.text().toLowerCase(Locale.ROOT));
        }
        String got = node instanceof Scalar s ? Problems.quote(s.text()) : node.description();
        problems.add(node.location(), "'" + key + "' in " + context + " must be true or false, not " + got);
        return null;
    }

    boolean bool(String key, boolean otherwise) {
        Boolean value = bool(key);
        return value != null ? value : otherwise;
    }

    /** A map value; null when absent (a problem when required) or not a map. */
    MapNode map(String key, boolean required) {
        Node node = node(key);
        if (node == null || node instanceof Scalar s && s.kind() == Kind.NULL) {
            if (required) {
                problems.add(at(key), "missing required field '" + key + "' in " + context);
            }
            return null;
        }
        return asMap(node, "'" + key + "' in " + context, problems);
    }

    /** A list value; null when absent (a problem when required) or not a list. */
    ListNode list(String key, boolean required) {
        Node node = node(key);
        if (node == null || node instanceof Scalar s && s.kind() == Kind.NULL) {
            if (required) {
                problems.add(at(key), "missing required field '" + key + "' in " + context);
            }
            return null;
        }
        if (node instanceof ListNode list) {
            if (required && list.items().isEmpty()) {
                problems.add(list.location(), "'" + key + "' in " + context + " must not be empty");
            }
            return list;
        }
        problems.add(
                node.location(),
                "'" + key + "' in " + context + " must be a list, not " + node.description()
                        + (node instanceof Scalar s && s.text().length() <= Problems.QUOTE_LIMIT
                                ? " (write [" + s.text() + "])"
                                : ""));
        return null;
    }

    /**
     * A list of strings; empty when absent. With {@code identifiers}, each is checked as one, and a
     * name given twice is a problem (once per name): PostgreSQL refuses a column twice in a key.
     */
    List<String> strings(String key, boolean required, boolean identifiers) {
        ListNode list = list(key, required);
        if (list == null) {
            return List.of();
        }
        List<String> values = new ArrayList<>();
        java.util.Set<String> repeated = new java.util.HashSet<>();
        for (Node item : list.items()) {
            if (item instanceof Scalar s && s.kind() != Kind.NULL && !s.text().isBlank()) {
                if (identifiers) {
                    checkIdentifier(s.text(), s.location(), problems);
                    if (values.contains(s.text()) && repeated.add(s.text())) {
                        problems.add(
                                s.location(),
                                Problems.quote(s.text()) + " is named twice in '" + key + "' of " + context);
                    }
                }
                values.add(s.text());
            } else {
                String what = item instanceof Scalar ? "empty" : item.description();
                problems.add(
                        item.location(), "each item of '" + key + "' in " + context + " must be a name, not " + what);
            }
        }
        return values;
    }

    /** A map from column to SQL expression; empty when absent. */
    Map<String, String> expressions(String key) {
        MapNode node = map(key, false);
        if (node == null) {
            return Map.of();
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Entry entry : node.entries().values()) {
            checkIdentifier(entry.key(), entry.keyLocation(), problems);
            if (entry.value() instanceof Scalar s
                    && s.kind() != Kind.NULL
                    && !s.text().isBlank()) {
                values.put(entry.key(), SqlExpressions.normalize(s.text()));
            } else {
                problems.add(
                        entry.value().location(),
                        Problems.quote(key + "." + entry.key()) + " in " + context + " must be an SQL expression, not "
                                + (entry.value() instanceof Scalar
                                        ? "empty"
                                        : entry.value().description()));
            }
        }
        return values;
    }
}
