package dev.tandem.core;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.tandem.core.Node.Entry;
import dev.tandem.core.Node.Kind;
import dev.tandem.core.Node.ListNode;
import dev.tandem.core.Node.MapNode;
import dev.tandem.core.Node.Scalar;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads YAML or JSON into a {@link Node} tree with jackson-core's streaming parsers. Duplicate keys,
 * YAML aliases, extra documents and syntax errors become problems; a syntax error ends the reading.
 */
final class NodeReader {
    enum Format {
        YAML,
        JSON
    }

    // yes/no/on/off stay strings: a boolean must be written true or false
    private static final YAMLFactory YAML = YAMLFactory.builder()
            .enable(YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS)
            .build();
    private static final JsonFactory JSON = new JsonFactory();
    private static final Pattern MARK = Pattern.compile("line (\\d+), column (\\d+)");

    private final String file;
    private final Problems problems;

    private NodeReader(String file, Problems problems) {
        this.file = file;
        this.problems = problems;
    }

    /** The root node, or null when the text is empty or not well-formed (a problem says why). */
    static Node read(String file, String text, Format format, Problems problems) {
        return new NodeReader(file, problems).read(stripByteOrderMark(text), format);
    }

    private Node read(String text, Format format) {
        JsonParser reading = null;
        try (JsonParser parser = format == Format.JSON ? JSON.createParser(text) : YAML.createParser(text)) {
            reading = parser;
            if (parser.nextToken() == null) {
                problems.add(
                        new SourceLocation(file, 1, 1),
                        "the file is empty; a migration needs at least " + "service, owner, rationale and operations");
                return null;
            }
            Node root = value(parser);
            if (parser.nextToken() != null) {
                problems.add(
                        location(parser.currentTokenLocation()),
                        format == Format.JSON
                                ? "a file holds one migration; remove what follows the first JSON value"
                                : "a file holds one migration; remove the second YAML document (after '---')");
            }
            return root;
        } catch (JacksonException e) {
            problems.add(
                    errorLocation(e, reading),
                    (format == Format.JSON ? "JSON" : "YAML") + " syntax error: "
                            + errorMessage(e.getOriginalMessage()));
            return null;
        } catch (IOException e) {
            // a String source cannot fail to read; keep the cause visible all the same
            problems.add(SourceLocation.unknown(file), "cannot read the file: " + e.getMessage());
            return null;
        }
    }

    /** Reads the value at the parser's current token, consuming it whole. */
    private Node value(JsonParser parser) throws IOException {
        SourceLocation at = location(parser.currentTokenLocation());
        JsonToken token = parser.currentToken();
        return switch (token) {
            case START_OBJECT -> map(parser, at);
            case START_ARRAY -> list(parser, at);
            case VALUE_STRING -> {
                if (parser instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
                    problems.add(at, "YAML aliases (*" + parser.getText() + ") are not supported; write the value out");
                }
                yield new Scalar(noNul(parser.getText(), at), Kind.STRING, at);
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> new Scalar(parser.getText(), Kind.NUMBER, at);
            case VALUE_TRUE, VALUE_FALSE -> new Scalar(parser.getText(), Kind.BOOLEAN, at);
            case VALUE_NULL -> new Scalar(null, Kind.NULL, at);
            default -> {
                // VALUE_EMBEDDED_OBJECT: a YAML !!binary scalar or similar
                problems.add(at, "unsupported value (" + token + "); write plain text");
                yield new Scalar(parser.getText(), Kind.STRING, at);
            }
        };
    }

    private MapNode map(JsonParser parser, SourceLocation at) throws IOException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            SourceLocation keyAt = location(parser.currentTokenLocation());
            String key = noNul(parser.currentName(), keyAt);
            parser.nextToken();
            Node value = value(parser);
            Entry first = entries.get(key);
            if (first != null) {
                problems.add(keyAt, "duplicate key " + Problems.quote(key) + " (first at " + first.keyLocation() + ")");
            } else {
                entries.put(key, new Entry(key, keyAt, value));
            }
        }
        return new MapNode(entries, at);
    }

    private ListNode list(JsonParser parser, SourceLocation at) throws IOException {
        List<Node> items = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            items.add(value(parser));
        }
        return new ListNode(items, at);
    }

    /**
     * Reports a NUL character: PostgreSQL cannot store one in an identifier or in any text, so no
     * value of a migration file may hold it.
     */
    private String noNul(String text, SourceLocation at) {
        if (text.indexOf('\u0000') >= 0) {
            problems.add(at, "the text holds the character NUL (\\u0000), which PostgreSQL cannot store; remove it");
        }
        return text;
    }

    private SourceLocation location(JsonLocation at) {
        return at == null || at.getLineNr() < 1
                ? SourceLocation.unknown(file)
                : new SourceLocation(file, at.getLineNr(), Math.max(1, at.getColumnNr()));
    }

    /**
     * SnakeYAML names the exact place in its message ("line 2, column 4"), more precisely than Jackson.
     * A limit of the reader (nesting depth, say) has no place of its own: it is where the reader
     * stopped.
     */
    private SourceLocation errorLocation(JacksonException e, JsonParser parser) {
        Matcher mark = MARK.matcher(String.valueOf(e.getOriginalMessage()));
        SourceLocation found = null;
        while (mark.find()) {
            found = new SourceLocation(file, Integer.parseInt(mark.group(1)), Integer.parseInt(mark.group(2)));
        }
        if (found == null) {
            found = location(e.getLocation());
        }
        if (found.line() < 1 && parser != null) {
            found = location(parser.currentLocation());
        }
        return found;
    }

    /**
     * The parser's message without SnakeYAML's quoted source lines, and without the name of the
     * Jackson setting behind a limit, which a migration's author cannot change.
     */
    static String errorMessage(String original) {
        if (original == null) {
            return "malformed input";
        }
        List<String> parts = new ArrayList<>();
        String[] lines = original.split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith(" in '")) {
                i += 2; // the quoted source line and its caret
            } else if (!lines[i].isBlank()) {
                parts.add(lines[i].strip());
            }
        }
        return String.join("; ", parts).replaceAll(", from `StreamReadConstraints\\.\\w+\\(\\)`", "");
    }

    private static String stripByteOrderMark(String text) {
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }
}
