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
final class Sql {
    private Sql() {}

    /** A quoted identifier: {@code "name"}, with embedded quotes doubled. */
    static String id(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** A quoted, schema-qualified name. */
    static String id(String schema, String name) {
        return id(schema) + "." + id(name);
    }

    static String ids(List<String> names) {
        return names.stream().map(Sql::id).collect(Collectors.joining(", "));
    }

    /** A quoted string literal. */
    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    /** A name of at most 63 bytes, as PostgreSQL would truncate it, made unique by a short hash. */
    static String shortName(String name) {
        if (name.length() <= 63) {
            return name;
        }
        String hash = Integer.toHexString(name.hashCode());
        return name.substring(0, 63 - hash.length() - 1) + "_" + hash;
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

    private record Token(String name, int start, int end, boolean columnReference) {}

    private static List<Token> tokenize(String s) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        int n = s.length();
        char previous = ' ';
        boolean afterCast = false;
        while (i < n) {
            char c = s.charAt(i);
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
                i = j + 1;
                previous = '\'';
                afterCast = false;
            } else if (c == '"' || Character.isLetter(c) || c == '_') {
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
                tokens.add(new Token(name, start, i, !call && !member && !qualifier && !afterCast && !keyword));
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
