package dev.tandem.core;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.regex.Pattern;

/**
 * What tandem reads in an {@code up} or {@code down} expression without a database: pgroll's
 * {@code SELECT <expression>} spelling, whether the expression reads another table, whether it is a
 * bare column name, and whether it could end the statement tandem embeds it in.
 */
public final class SqlExpressions {
    private static final Pattern BARE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*");
    private static final Pattern QUOTED_NAME = Pattern.compile("\"(?:[^\"]|\"\")+\"");

    /** Words that look like a column name but are values or calls in PostgreSQL. */
    private static final Set<String> NOT_COLUMNS = Set.of(
            "true",
            "false",
            "null",
            "default",
            "current_date",
            "current_time",
            "current_timestamp",
            "localtime",
            "localtimestamp",
            "current_user",
            "current_role",
            "current_catalog",
            "current_schema",
            "session_user",
            "user");

    /** What {@link #scanCode} returns when a literal, quoted name or comment is never closed. */
    private static final int UNCLOSED = -2;

    private SqlExpressions() {}

    /**
     * The column an expression names when it is nothing but one column's name, as PostgreSQL reads it:
     * a bare name folded to lower case, or a double-quoted name as written; empty for anything else,
     * including null.
     */
    public static Optional<String> columnName(String expression) {
        if (expression == null) {
            return Optional.empty();
        }
        String e = expression.strip();
        if (QUOTED_NAME.matcher(e).matches()) {
            return Optional.of(e.substring(1, e.length() - 1).replace("\"\"", "\""));
        }
        if (BARE_NAME.matcher(e).matches()) {
            String folded = e.toLowerCase(Locale.ROOT);
            return NOT_COLUMNS.contains(folded) ? Optional.empty() : Optional.of(folded);
        }
        return Optional.empty();
    }

    /** Whether an expression holds a {@code --} comment, which would swallow whatever tandem writes after it. */
    public static boolean hasLineComment(String expression) {
        return scanCode(expression, (text, i) -> text.startsWith("--", i)) >= 0;
    }

    /** Whether an expression holds a ';' outside literals, quoted names and comments: more than one statement. */
    public static boolean hasStatementSeparator(String expression) {
        return scanCode(expression, (text, i) -> text.charAt(i) == ';') >= 0;
    }

    /**
     * Whether a literal, quoted name or block comment of the expression is never closed, so that it
     * would run on into whatever tandem writes after the expression.
     */
    public static boolean hasUnclosedQuote(String expression) {
        return scanCode(expression, (text, i) -> false) == UNCLOSED;
    }

    /**
     * The first position of the expression's code where {@code test} holds: outside string literals
     * ('...', E'...' with backslash escapes, $tag$...$tag$), quoted names and block comments; -1 when
     * there is none, {@link #UNCLOSED} when one of those is never closed.
     */
    private static int scanCode(String s, BiPredicate<String, Integer> test) {
        if (s == null) {
            return -1;
        }
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            boolean afterWord = i > 0 && isWordChar(s.charAt(i - 1));
            if (c == '\'' || c == '"') {
                i = endOfQuoted(s, i, c, false);
            } else if ((c == 'E' || c == 'e') && !afterWord && i + 1 < n && s.charAt(i + 1) == '\'') {
                i = endOfQuoted(s, i + 1, '\'', true);
            } else if (c == '$' && !afterWord && dollarTag(s, i) != null) {
                String tag = dollarTag(s, i);
                int end = s.indexOf(tag, i + tag.length());
                i = end < 0 ? UNCLOSED : end + tag.length();
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int depth = 1;
                i += 2;
                while (i < n && depth > 0) {
                    if (s.startsWith("/*", i)) {
                        depth++;
                        i += 2;
                    } else if (s.startsWith("*/", i)) {
                        depth--;
                        i += 2;
                    } else {
                        i++;
                    }
                }
                if (depth > 0) {
                    return UNCLOSED;
                }
            } else if (test.test(s, i)) {
                return i;
            } else {
                i++;
            }
            if (i == UNCLOSED) {
                return UNCLOSED;
            }
        }
        return -1;
    }

    /**
     * The index after the literal or quoted name that opens at {@code open} (doubled quotes stay
     * inside), or {@link #UNCLOSED}.
     */
    private static int endOfQuoted(String s, int open, char quote, boolean backslashEscapes) {
        int j = open + 1;
        while (j < s.length()) {
            char ch = s.charAt(j);
            if (backslashEscapes && ch == '\\') {
                j += 2;
            } else if (ch == quote && j + 1 < s.length() && s.charAt(j + 1) == quote) {
                j += 2;
            } else if (ch == quote) {
                return j + 1;
            } else {
                j++;
            }
        }
        return UNCLOSED;
    }

    /** The dollar-quote tag ({@code $$} or {@code $name$}) that starts at {@code i}, or null. */
    private static String dollarTag(String s, int i) {
        int end = s.indexOf('$', i + 1);
        if (end < 0) {
            return null;
        }
        String name = s.substring(i + 1, end);
        boolean valid = name.isEmpty()
                || (!Character.isDigit(name.charAt(0))
                        && name.chars().allMatch(ch -> Character.isLetterOrDigit(ch) || ch == '_'));
        return valid ? s.substring(i, end + 1) : null;
    }

    /**
     * The expression as tandem evaluates it. {@code SELECT x} (no FROM) is the expression {@code x},
     * as pgroll reads it; a whole query ({@code SELECT x FROM t WHERE ...}) becomes the scalar subquery
     * {@code (SELECT x FROM t WHERE ...)}; anything else is returned as written.
     */
    public static String normalize(String expression) {
        if (expression == null) {
            return null;
        }
        String trimmed = expression.strip();
        if (!startsWithWord(trimmed, "select")) {
            return expression;
        }
        if (topLevelWord(trimmed, "from") >= 0) {
            return "(" + trimmed + ")";
        }
        return trimmed.substring("select".length()).strip();
    }

    /** Whether the expression holds a subquery, and so reads rows other than the one it computes. */
    public static boolean readsOtherRows(String expression) {
        return expression != null && anyWord(expression, "select");
    }

    private static boolean startsWithWord(String s, String word) {
        return s.regionMatches(true, 0, word, 0, word.length())
                && (s.length() == word.length() || !isWordChar(s.charAt(word.length())));
    }

    private static int topLevelWord(String s, String word) {
        return scan(s, word, true);
    }

    private static boolean anyWord(String s, String word) {
        return scan(s, word, false) >= 0;
    }

    /** Where {@code word} first stands outside quotes and comments (at depth 0 when asked); -1 if nowhere. */
    private static int scan(String s, String word, boolean topLevel) {
        String lower = s.toLowerCase(Locale.ROOT);
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\'' || ch == '"') {
                int end = s.indexOf(ch, i + 1);
                while (end >= 0 && end + 1 < s.length() && s.charAt(end + 1) == ch) {
                    end = s.indexOf(ch, end + 2);
                }
                if (end < 0) {
                    return -1;
                }
                i = end;
            } else if (ch == '$') {
                int tagEnd = s.indexOf('$', i + 1);
                if (tagEnd > i && s.substring(i + 1, tagEnd).chars().allMatch(c -> isWordChar((char) c))) {
                    String tag = s.substring(i, tagEnd + 1);
                    int end = s.indexOf(tag, tagEnd + 1);
                    if (end < 0) {
                        return -1;
                    }
                    i = end + tag.length() - 1;
                }
            } else if (ch == '-' && i + 1 < s.length() && s.charAt(i + 1) == '-') {
                int end = s.indexOf('\n', i);
                i = end < 0 ? s.length() : end;
            } else if (ch == '(') {
                depth++;
            } else if (ch == ')') {
                depth--;
            } else if ((!topLevel || depth == 0)
                    && lower.startsWith(word, i)
                    && (i == 0 || !isWordChar(s.charAt(i - 1)))
                    && (i + word.length() == s.length() || !isWordChar(s.charAt(i + word.length())))) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }
}
