package dev.tandem.testkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tree of maps, lists and scalars: edited field by field, and written as a YAML file (block style, so each value has a line of
 * its own) or as JSON. A {@link Raw} value is written as given, for the forms only one format has
 * ({@code ~}, tags, aliases).
 */
final class FuzzDocument {
    /** A value written verbatim; {@code json} is null when JSON cannot express it. */
    record Raw(String yaml, String json) {}

    /** Given to {@link #set}, removes the field instead. */
    static final Object REMOVE = new Object();

    private FuzzDocument() {}

    static String yaml(Map<String, Object> root) {
        StringBuilder out = new StringBuilder();
        map(root, 0, out);
        return out.toString();
    }

    /** The document as JSON, or null when it holds a {@link Raw} value JSON cannot express. */
    static String json(Object value) {
        StringBuilder out = new StringBuilder();
        return json(value, out) ? out.toString() : null;
    }

    private static void map(Map<?, ?> map, int indent, StringBuilder out) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            out.append(" ".repeat(indent)).append(e.getKey()).append(':');
            value(e.getValue(), indent + 2, out);
        }
    }

    /** Writes a value after a key or a list dash, ending the line. */
    private static void value(Object value, int indent, StringBuilder out) {
        if (value instanceof Map<?, ?> m && !m.isEmpty()) {
            out.append('\n');
            map(m, indent, out);
        } else if (value instanceof List<?> l && !l.isEmpty()) {
            out.append('\n');
            for (Object item : l) {
                out.append(" ".repeat(indent)).append("- ");
                if (item instanceof Map<?, ?> m && !m.isEmpty()) {
                    // the first key on the dash's line, the others under it
                    StringBuilder nested = new StringBuilder();
                    map(m, indent + 2, nested);
                    out.append(nested.substring(indent + 2));
                } else if (item instanceof List<?> inner && !inner.isEmpty()) {
                    StringBuilder flow = new StringBuilder();
                    json(inner, flow);
                    out.append(flow).append('\n');
                } else {
                    out.append(scalar(item)).append('\n');
                }
            }
        } else {
            out.append(' ').append(scalar(value)).append('\n');
        }
    }

    private static String scalar(Object value) {
        return switch (value) {
            case null -> "null";
            case Raw raw -> raw.yaml();
            case Map<?, ?> m -> "{}";
            case List<?> l -> "[]";
            case String s -> quote(s);
            default -> value.toString();
        };
    }

    private static boolean json(Object value, StringBuilder out) {
        switch (value) {
            case null -> out.append("null");
            case Raw raw -> {
                if (raw.json() == null) {
                    return false;
                }
                out.append(raw.json());
            }
            case Map<?, ?> m -> {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    out.append(first ? "" : ", ")
                            .append(quote(e.getKey().toString()))
                            .append(": ");
                    first = false;
                    if (!json(e.getValue(), out)) {
                        return false;
                    }
                }
                out.append('}');
            }
            case List<?> l -> {
                out.append('[');
                for (int i = 0; i < l.size(); i++) {
                    out.append(i == 0 ? "" : ", ");
                    if (!json(l.get(i), out)) {
                        return false;
                    }
                }
                out.append(']');
            }
            case String s -> out.append(quote(s));
            default -> out.append(value);
        }
        return true;
    }

    /** A double-quoted string that YAML and JSON read alike. */
    private static String quote(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\n' -> q.append("\\n");
                case '\t' -> q.append("\\t");
                case '\r' -> q.append("\\r");
                default -> {
                    if (ch < 0x20) {
                        q.append(String.format("\\u%04x", (int) ch));
                    } else {
                        q.append(ch);
                    }
                }
            }
        }
        return q.append('"').toString();
    }

    /** The path of every field in {@code map}, and of the fields of the maps and lists of maps in it. */
    static List<List<Object>> paths(Map<String, Object> map, List<Object> prefix) {
        List<List<Object>> paths = new ArrayList<>();
        for (Map.Entry<String, Object> e : map.entrySet()) {
            List<Object> path = new ArrayList<>(prefix);
            path.add(e.getKey());
            paths.add(path);
            if (e.getValue() instanceof Map<?, ?> nested && !e.getKey().equals("operations")) {
                paths.addAll(paths(cast(nested), path));
            } else if (e.getValue() instanceof List<?> list) {
                for (int i = 0; i < list.size(); i++) {
                    if (list.get(i) instanceof Map<?, ?> item && !e.getKey().equals("operations")) {
                        List<Object> at = new ArrayList<>(path);
                        at.add(i);
                        paths.addAll(paths(cast(item), at));
                    }
                }
            }
        }
        return paths;
    }

    static String name(List<Object> path) {
        StringBuilder s = new StringBuilder();
        for (Object p : path) {
            s.append(p instanceof Integer i ? "[" + i + "]" : (s.isEmpty() ? "" : ".") + p);
        }
        return s.toString();
    }

    /** Sets (or, for {@link #REMOVE}, removes) the field at {@code path}. */
    static void set(Object root, List<Object> path, Object value) {
        Object parent = root;
        for (Object p : path.subList(0, path.size() - 1)) {
            parent = p instanceof Integer i ? ((List<?>) parent).get(i) : ((Map<?, ?>) parent).get(p);
        }
        Map<String, Object> map = cast(parent);
        if (value == REMOVE) {
            map.remove((String) path.getLast());
        } else {
            map.put((String) path.getLast(), value);
        }
    }

    /** A deep, mutable copy. */
    static Map<String, Object> copy(Map<String, Object> map) {
        Map<String, Object> out = new LinkedHashMap<>();
        map.forEach((k, v) -> out.put(k, copyValue(v)));
        return out;
    }

    private static Object copyValue(Object v) {
        if (v instanceof Map<?, ?> m) {
            return copy(cast(m));
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(item -> out.add(copyValue(item)));
            return out;
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> map) {
        return (Map<String, Object>) map;
    }

    private static Map<String, Object> cast(Object map) {
        return cast((Map<?, ?>) map);
    }
}
