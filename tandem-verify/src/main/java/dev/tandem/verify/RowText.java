package dev.tandem.verify;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads back the text of a row value, as PostgreSQL writes it ({@code (42)}, {@code (7,"a b")}): the
 * form the relay keys its changes by. A field is quoted when it holds a comma, a quote, a parenthesis,
 * a backslash or white space, or is empty; inside quotes a doubled quote or a backslash escapes the
 * next character; an empty unquoted field is NULL.
 */
final class RowText {
    private RowText() {}

    static List<String> fields(String row) {
        if (row.length() < 2 || row.charAt(0) != '(' || row.charAt(row.length() - 1) != ')') {
            throw new IllegalArgumentException("not the text of a row value: " + row);
        }
        List<String> out = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 1; i < row.length() - 1; i++) {
            char c = row.charAt(i);
            if (quoted) {
                if (c == '\\' && i + 1 < row.length() - 1) {
                    field.append(row.charAt(++i));
                } else if (c == '"' && i + 1 < row.length() - 1 && row.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                wasQuoted = true;
            } else if (c == ',') {
                out.add(field.isEmpty() && !wasQuoted ? null : field.toString());
                field.setLength(0);
                wasQuoted = false;
            } else {
                field.append(c);
            }
        }
        out.add(field.isEmpty() && !wasQuoted ? null : field.toString());
        return out;
    }
}
