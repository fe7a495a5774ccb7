package dev.tandem.core;

import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;
import dev.tandem.core.Node.Kind;
import dev.tandem.core.Node.ListNode;
import dev.tandem.core.Node.MapNode;
import dev.tandem.core.Node.Scalar;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a tree of maps, lists and scalars as block-style YAML, quoting only the strings that need
 * it, and checks that the text reads back as the same tree.
 *
 * <p>The tree holds {@code Map<String, ?>} (written in iteration order), {@code List<?>}, {@link
 * String}, {@link Boolean} and {@link Scalar} (a value carried from a source file, written as the
 * kind it was read as: a number stays a number).
 */
final class TandemYaml {
    private static final YAMLFactory MINIMAL_QUOTES = factory(true);
    /**
     * Jackson's quoting misses a few strings that YAML reads as something else ({@code 1e3}, {@code
     * .inf}, {@code 0x1F} as numbers, say); a file holding one is written with every string quoted.
     */
    private static final YAMLFactory ALL_QUOTED = factory(false);

    private TandemYaml() {}

    /**
     * The YAML text of {@code root}.
     *
     * @throws IllegalStateException when the text would read back differently, which is a bug: a
     *     converted expression must never change silently
     */
    static String write(Map<String, ?> root) {
        String yaml = render(MINIMAL_QUOTES, root);
        if (difference(root, yaml) == null) {
            return yaml;
        }
        yaml = render(ALL_QUOTED, root);
        String difference = difference(root, yaml);
        if (difference != null) {
            throw new IllegalStateException("the YAML written does not read back as meant (" + difference
                    + "); this is a bug in tandem convert, please report it with the source file");
        }
        return yaml;
    }

    private static YAMLFactory factory(boolean minimizeQuotes) {
        return YAMLFactory.builder()
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .configure(YAMLGenerator.Feature.MINIMIZE_QUOTES, minimizeQuotes)
                // "0012" written as a string must read back as that string, not a number
                .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                // SQL on several lines stays readable as a `|` block
                .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
                // a long expression stays on one line, as its author wrote it
                .disable(YAMLGenerator.Feature.SPLIT_LINES)
                .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
                .stringQuotingChecker(new Quoting())
                .build();
    }

    /**
     * Quotes what a plain scalar cannot hold in block style. Jackson leaves a string that starts with
     * an indicator, such as the SQL literal {@code 'basic'}, to SnakeYAML, which single-quotes it as
     * {@code '''basic'''}; double quotes ({@code "'basic'"}) read as the SQL they hold. And Jackson
     * quotes every string with a comma or bracket, which only a flow collection needs, so that
     * {@code split_part(name, ' ', 1)} stays as written.
     */
    private static final class Quoting extends StringQuotingChecker.Default {
        private static final String INDICATORS = "'\"[]{}#&*!|>%@`,?:-";

        @Override
        public boolean needToQuoteValue(String value) {
            return super.needToQuoteValue(value)
                    || !value.isEmpty()
                            && (INDICATORS.indexOf(value.charAt(0)) >= 0
                                    || !value.strip().equals(value));
        }

        @Override
        protected boolean valueHasQuotableChar(String value) {
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                boolean comment = c == '#' && (i == 0 || Character.isWhitespace(value.charAt(i - 1)));
                boolean key = c == ':' && (i == value.length() - 1 || Character.isWhitespace(value.charAt(i + 1)));
                if (comment || key) {
                    return true;
                }
            }
            return false;
        }
    }

    private static String render(YAMLFactory factory, Map<String, ?> root) {
        StringWriter text = new StringWriter();
        try (YAMLGenerator generator = (YAMLGenerator) factory.createGenerator(text)) {
            value(generator, root);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a string cannot fail", e);
        }
        return text.toString();
    }

    /** Where {@code yaml} reads back differently from {@code root}, or null when it does not. */
    private static String difference(Map<String, ?> root, String yaml) {
        Problems problems = new Problems();
        Node read = NodeReader.read("(written)", yaml, NodeReader.Format.YAML, problems);
        return problems.isEmpty()
                ? difference(root, read, "")
                : problems.sorted().toString();
    }

    private static void value(YAMLGenerator generator, Object value) throws IOException {
        switch (value) {
            case Map<?, ?> map -> {
                generator.writeStartObject();
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    generator.writeFieldName((String) entry.getKey());
                    value(generator, entry.getValue());
                }
                generator.writeEndObject();
            }
            case List<?> list -> {
                generator.writeStartArray();
                for (Object item : list) {
                    value(generator, item);
                }
                generator.writeEndArray();
            }
            case String string -> generator.writeString(string);
            case Boolean bool -> generator.writeBoolean(bool);
            case Scalar scalar -> {
                switch (scalar.kind()) {
                    case STRING -> generator.writeString(scalar.text());
                    case NUMBER -> generator.writeNumber(scalar.text());
                    case BOOLEAN ->
                        generator.writeBoolean(
                                Boolean.parseBoolean(scalar.text().toLowerCase(Locale.ROOT)));
                    case NULL -> generator.writeNull();
                }
            }
            default ->
                throw new IllegalArgumentException(
                        "cannot write " + value.getClass().getName());
        }
    }

    /** Where {@code read} differs from {@code meant}, or null when it does not. */
    private static String difference(Object meant, Node read, String path) {
        switch (meant) {
            case Map<?, ?> map -> {
                if (!(read instanceof MapNode node) || !node.entries().keySet().equals(map.keySet())) {
                    return path + " is not the map meant";
                }
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    String found = difference(
                            entry.getValue(), node.entries().get(entry.getKey()).value(), path + "." + entry.getKey());
                    if (found != null) {
                        return found;
                    }
                }
                return null;
            }
            case List<?> list -> {
                if (!(read instanceof ListNode node) || node.items().size() != list.size()) {
                    return path + " is not the list meant";
                }
                Iterator<Node> items = node.items().iterator();
                for (int i = 0; i < list.size(); i++) {
                    String found = difference(list.get(i), items.next(), path + "[" + i + "]");
                    if (found != null) {
                        return found;
                    }
                }
                return null;
            }
            default -> {
                Scalar expected = meant instanceof Scalar s
                        ? s
                        : new Scalar(meant.toString(), meant instanceof Boolean ? Kind.BOOLEAN : Kind.STRING, null);
                return read instanceof Scalar actual && sameScalar(expected, actual) ? null : path + " changed";
            }
        }
    }

    private static boolean sameScalar(Scalar expected, Scalar actual) {
        if (expected.kind() != actual.kind()) {
            return false;
        }
        return expected.kind() == Kind.BOOLEAN
                ? expected.text().equalsIgnoreCase(actual.text())
                : Objects.equals(expected.text(), actual.text());
    }
}
