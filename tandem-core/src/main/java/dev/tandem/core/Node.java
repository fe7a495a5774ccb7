package dev.tandem.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed YAML or JSON value that remembers where it stands in its file, so that every problem can
 * name a line and column. Built by {@link NodeReader}; read by {@link Fields}.
 */
sealed interface Node {

    SourceLocation location();

    /** How the node is named in messages: "a map", "a list", "a string", ... */
    String description();

    /** A map whose keys keep their own locations; insertion order is the file's order. */
    record MapNode(Map<String, Entry> entries, SourceLocation location) implements Node {
        public MapNode {
            entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }

        @Override
        public String description() {
            return "a map";
        }
    }

    record Entry(String key, SourceLocation keyLocation, Node value) {}

    record ListNode(List<Node> items, SourceLocation location) implements Node {
        public ListNode {
            items = List.copyOf(items);
        }

        @Override
        public String description() {
            return "a list";
        }
    }

    /** A scalar with its text exactly as written (numbers and booleans included). */
    record Scalar(String text, Kind kind, SourceLocation location) implements Node {
        @Override
        public String description() {
            return switch (kind) {
                case STRING -> "a string";
                case NUMBER -> "a number";
                case BOOLEAN -> "a boolean";
                case NULL -> "null";
            };
        }
    }

    enum Kind {
        STRING,
        NUMBER,
        BOOLEAN,
        NULL
    }
}
