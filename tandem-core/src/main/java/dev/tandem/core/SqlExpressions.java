package dev.tandem.core;

import java.util.Locale;

/**
 * What tandem reads in an {@code up} or {@code down} expression without a database: pgroll's
 * {@code SELECT <expression>} spelling, and whether the expression reads another table.
 */
public final class SqlExpressions {
    private SqlExpressions() {}

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
