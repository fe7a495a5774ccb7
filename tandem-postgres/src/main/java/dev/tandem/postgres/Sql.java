package dev.tandem.postgres;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one place identifiers and literals are quoted, and the small tokenizer that finds and renames
 * column references inside the owner's SQL expressions.
 */
public final class Sql {
    private Sql() {}

    /** A quoted identifier: {@code "name"}, with embedded quotes doubled. */
    public static String id(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** A quoted, schema-qualified name. */
    public static String id(String schema, String name) {
        return id(schema) + "." + id(name);
    }

    public static String ids(List<String> names) {
        return names.stream().map(Sql::id).collect(Collectors.joining(", "));
    }

    /**
     * A dollar-quoted function body whose tag does not occur in the body, so no text inside it (an
     * owner's expression holding {@code $tandem$}, say) can end the quoting early.
     */
    public static String dollarQuoted(String body) {
        String tag = "$tandem$";
        for (int n = 1; body.contains(tag); n++) {
            tag = "$tandem" + n + "$";
        }
        return tag + body + tag;
    }

    /** A quoted string literal. */
    public static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    /**
     * A name of at most 63 bytes (PostgreSQL truncates longer ones), made unique by a short hash when
     * it had to be cut. Cuts on a character boundary.
     */
    public static String shortName(String name) {
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 63) {
            return name;
        }
        String suffix = "_" + Integer.toHexString(name.hashCode());
        StringBuilder b = new StringBuilder();
        int bytes = suffix.length();
        for (int cp : name.codePoints().toArray()) {
            int size = new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (bytes + size > 63) {
                break;
            }
            b.appendCodePoint(cp);
            bytes += size;
        }
        return b + suffix;
    }

    /** Whether an expression holds a {@code --} comment, which would swallow whatever tandem writes after it. */
    static boolean hasLineComment(String expression) {
        return anyInCode(expression, (text, i) -> text.startsWith("--", i));
    }

    /** Whether an expression holds a ';' outside literals, quoted names and comments: more than one statement. */
    static boolean hasStatementSeparator(String expression) {
        return anyInCode(expression, (text, i) -> text.charAt(i) == ';');
    }

    /** Whether {@code test} holds at some position of the expression's code, outside literals and quoted names. */
    private static boolean anyInCode(String s, java.util.function.BiPredicate<String, Integer> test) {
        int i = 0;
        while (i < s.length()) {
            if (test.test(s, i)) {
                return true;
            }
            int skipped = skipNonCode(s, i);
            if (skipped > i) {
                i = skipped;
            } else if (s.charAt(i) == '"') {
                int j = s.indexOf('"', i + 1);
                i = j < 0 ? s.length() : j + 1;
            } else {
                i++;
            }
        }
        return false;
    }

    /**
     * Why an expression over one row cannot be compiled into the sync triggers, or empty: it must read
     * the row's columns by bare name; a qualified column ({@code items.qty}) or a subquery cannot be.
     */
    static java.util.Optional<String> rowExpressionProblem(String expression) {
        List<Token> tokens = tokenize(expression);
        for (int k = 0; k < tokens.size(); k++) {
            Token t = tokens.get(k);
            if (t.name().equals("select") && !t.quoted()) {
                // A subquery reads other tables by their qualified names, as pgroll allows; lint warns
                // that it is evaluated when this row is written, not when the rows it reads change.
                return java.util.Optional.empty();
            }
            if (t.qualifier() && k + 1 < tokens.size() && !tokens.get(k + 1).call()) {
                return java.util.Optional.of(
                        "'" + t.name() + "." + tokens.get(k + 1).name() + "': refer to the row's columns by bare name");
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * The end of a string literal ('...', E'...' with backslash escapes, $tag$...$tag$) or comment
     * starting at {@code i}, or {@code i} when none starts there.
     */
    private static int skipNonCode(String s, int i) {
        int n = s.length();
        char c = s.charAt(i);
        boolean identifierBefore = i > 0 && (Character.isLetterOrDigit(s.charAt(i - 1)) || s.charAt(i - 1) == '_');
        if ((c == 'E' || c == 'e') && i + 1 < n && s.charAt(i + 1) == '\'' && !identifierBefore) {
            int j = i + 2;
            while (j < n && s.charAt(j) != '\'') {
                j += s.charAt(j) == '\\' ? 2 : 1;
                if (j < n && s.charAt(j) == '\'' && j + 1 < n && s.charAt(j + 1) == '\'') {
                    j += 2;
                }
            }
            return Math.min(n, j + 1);
        }
        if (c == '\'') {
            int j = i + 1;
            while (j < n) {
                if (s.charAt(j) == '\'') {
                    if (j + 1 < n && s.charAt(j + 1) == '\'') {
                        j += 2;
                        continue;
                    }
                    break;
                }
                j++;
            }
            return Math.min(n, j + 1);
        }
        if (c == '$' && !identifierBefore) {
            int close = s.indexOf('$', i + 1);
            if (close > i) {
                String tag = s.substring(i, close + 1);
                if (tag.chars()
                        .skip(1)
                        .limit(tag.length() - 2)
                        .allMatch(ch -> Character.isLetterOrDigit(ch) || ch == '_')) {
                    int end = s.indexOf(tag, close + 1);
                    return end < 0 ? n : end + tag.length();
                }
            }
        }
        if (c == '-' && i + 1 < n && s.charAt(i + 1) == '-') {
            int end = s.indexOf('\n', i);
            return end < 0 ? n : end + 1;
        }
        if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
            int end = s.indexOf("*/", i + 2);
            return end < 0 ? n : end + 2;
        }
        return i;
    }

    /**
     * The bare identifiers an expression refers to as column references: identifiers outside string
     * literals that are not function names (followed by '('), not qualified members (preceded by
     * '.') and not type names after '::'. Unquoted identifiers are folded to lower case.
     */
    static Set<String> referencedColumns(String expression) {
        Set<String> out = new LinkedHashSet<>();
        for (Token t : tokenize(expression)) {
            if (t.columnReference()) {
                out.add(t.name());
            }
        }
        return out;
    }

    /**
     * Every identifier in an expression, whatever its role: a safe over-approximation of the columns
     * it may read. Unquoted identifiers are folded to lower case.
     */
    static Set<String> identifiers(String expression) {
        Set<String> out = new LinkedHashSet<>();
        for (Token t : tokenize(expression)) {
            out.add(t.name());
        }
        return out;
    }

    /** The expression with each column reference in {@code renames} replaced by a quoted new name. */
    static String renameColumns(String expression, Map<String, String> renames) {
        StringBuilder out = new StringBuilder();
        int last = 0;
        for (Token t : tokenize(expression)) {
            if (t.columnReference() && renames.containsKey(t.name())) {
                out.append(expression, last, t.start()).append(id(renames.get(t.name())));
                last = t.end();
            }
        }
        return out.append(expression.substring(last)).toString();
    }

    /**
     * The expression with each column reference replaced by a field of {@code record} (such as
     * {@code NEW."physical"}), or empty when some identifier that names a column is not plainly a column
     * reference (a keyword-like column name, say), so the caller must bind the columns another way.
     */
    static java.util.Optional<String> onRecord(String expression, String record, Map<String, String> columns) {
        StringBuilder out = new StringBuilder();
        int last = 0;
        for (Token t : tokenize(expression)) {
            if (!columns.containsKey(t.name())) {
                continue;
            }
            if (!t.columnReference()) {
                return java.util.Optional.empty();
            }
            out.append(expression, last, t.start()).append(record).append('.').append(id(columns.get(t.name())));
            last = t.end();
        }
        return java.util.Optional.of(out.append(expression.substring(last)).toString());
    }

    private record Token(
            String name,
            int start,
            int end,
            boolean columnReference,
            boolean quoted,
            boolean qualifier,
            boolean call) {}

    private static List<Token> tokenize(String s) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        int n = s.length();
        char previous = ' ';
        boolean afterCast = false;
        while (i < n) {
            int skipped = skipNonCode(s, i);
            if (skipped > i) {
                i = skipped;
                previous = '\'';
                afterCast = false;
                continue;
            }
            char c = s.charAt(i);
            if (c == '"' || Character.isLetter(c) || c == '_') {
                int start = i;
                String name;
                if (c == '"') {
                    int j = i + 1;
                    StringBuilder b = new StringBuilder();
                    while (j < n) {
                        if (s.charAt(j) == '"') {
                            if (j + 1 < n && s.charAt(j + 1) == '"') {
                                b.append('"');
                                j += 2;
                                continue;
                            }
                            break;
                        }
                        b.append(s.charAt(j++));
                    }
                    i = j + 1;
                    name = b.toString();
                } else {
                    int j = i;
                    while (j < n
                            && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_' || s.charAt(j) == '$')) {
                        j++;
                    }
                    i = j;
                    name = s.substring(start, j).toLowerCase(java.util.Locale.ROOT);
                }
                int k = i;
                while (k < n && Character.isWhitespace(s.charAt(k))) {
                    k++;
                }
                boolean call = k < n && s.charAt(k) == '(';
                boolean member = previous == '.';
                boolean qualifier = k < n && s.charAt(k) == '.';
                boolean keyword = c != '"' && KEYWORDS.contains(name);
                tokens.add(new Token(
                        name,
                        start,
                        i,
                        !call && !member && !qualifier && !afterCast && !keyword,
                        c == '"',
                        qualifier,
                        call));
                previous = 'a';
                afterCast = false;
            } else if (Character.isDigit(c)) {
                while (i < n && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                    i++;
                }
                previous = '0';
                afterCast = false;
            } else {
                if (c == ':' && i + 1 < n && s.charAt(i + 1) == ':') {
                    afterCast = true;
                    i += 2;
                    previous = ':';
                    continue;
                }
                if (!Character.isWhitespace(c)) {
                    previous = c;
                    afterCast = false;
                }
                i++;
            }
        }
        return tokens;
    }

    /** SQL words that can appear bare in an expression and are never column references. */
    private static final Set<String> KEYWORDS = Set.of(
            "and",
            "or",
            "not",
            "null",
            "true",
            "false",
            "is",
            "in",
            "like",
            "ilike",
            "similar",
            "between",
            "case",
            "when",
            "then",
            "else",
            "end",
            "as",
            "distinct",
            "from",
            "cast",
            "coalesce",
            "nullif",
            "greatest",
            "least",
            "any",
            "all",
            "some",
            "array",
            "row",
            "interval",
            "date",
            "time",
            "timestamp",
            "with",
            "without",
            "zone",
            "at",
            "collate",
            "escape",
            "isnull",
            "notnull",
            "current_date",
            "current_time",
            "current_timestamp",
            "localtime",
            "localtimestamp",
            "current_user",
            "session_user",
            "user",
            "exists",
            "over",
            "filter",
            "within",
            "group",
            "varying",
            "precision",
            "double",
            "character",
            "unknown",
            "symmetric",
            "asymmetric",
            "of",
            "for");
}
