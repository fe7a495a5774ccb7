package dev.tandem.relay;

import dev.tandem.postgres.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Whether the copy of a move's rows may travel in PostgreSQL's binary COPY format rather than text.
 * Binary is exact and spares both servers the rendering and parsing of text, but a binary value is
 * read by the receive function of the target column's type as it is, without a conversion: it is
 * safe only when each mapped expression has exactly the target column's type. So binary is chosen
 * only when both servers run the same major version and every column's type is the same built-in
 * type on both sides (its OID below 10000, fixed in PostgreSQL's catalogs), has binary input and
 * output, and means the same on both servers: not an OID alias ({@code regclass} and the other
 * {@code reg*} types, or arrays of them: a binary one is the source's OID, a text one the name) and
 * not {@code xml} (whose receive function honours the document's own encoding declaration, where
 * its input function does not). Otherwise, text, as capture uses.
 */
final class CopyFormat {
    private CopyFormat() {}

    private static final String SAFE = """
            SELECT t.oid FROM pg_type t LEFT JOIN pg_type e ON e.oid = t.typelem
            WHERE t.oid::bigint = ANY (?) AND t.oid < 10000 AND t.typsend <> 0 AND t.typreceive <> 0
              AND t.typname NOT LIKE 'reg%%' AND coalesce(e.typname, '') NOT LIKE 'reg%%'
              AND t.typname NOT IN ('xml', '_xml')
              AND current_setting('server_version_num')::int / 10000 = %d
            """;

    /** Whether the rows of {@code m} can be copied in binary from {@code src} to {@code tgt}. */
    static boolean binary(Connection src, Connection tgt, MoveSpec m) throws SQLException {
        List<Long> read = expressionTypes(src, m);
        List<Long> written = columnTypes(tgt, m);
        if (!read.equals(written)) {
            return false;
        }
        int major = major(src);
        return safe(src, read, major) && safe(tgt, written, major);
    }

    /** The type of each mapped expression, in target column order, without reading a row. */
    private static List<Long> expressionTypes(Connection src, MoveSpec m) throws SQLException {
        List<String> expressions = List.copyOf(m.columns().values());
        StringBuilder sql = new StringBuilder("SELECT ");
        for (int i = 0; i < expressions.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("pg_typeof(q.c").append(i).append(")::oid::bigint");
        }
        // An outer join to no row: each column is NULL, of its expression's type.
        sql.append(" FROM (SELECT 1) AS one LEFT JOIN (SELECT ");
        for (int i = 0; i < expressions.size(); i++) {
            sql.append(i == 0 ? "" : ", ")
                    .append("(")
                    .append(expressions.get(i))
                    .append(") AS c")
                    .append(i);
        }
        sql.append(" FROM ")
                .append(Sql.id(m.sourceSchema(), m.sourceTable()))
                .append(" AS _tandem_src LIMIT 0) AS q ON true");
        List<Long> types = new ArrayList<>();
        try (PreparedStatement ps = src.prepareStatement(sql.toString());
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            for (int i = 1; i <= expressions.size(); i++) {
                types.add(rs.getLong(i));
            }
        }
        return types;
    }

    private static List<Long> columnTypes(Connection tgt, MoveSpec m) throws SQLException {
        List<Long> types = new ArrayList<>();
        try (PreparedStatement ps = tgt.prepareStatement("SELECT atttypid::bigint FROM pg_attribute"
                + " WHERE attrelid = ?::regclass AND attname = ? AND NOT attisdropped")) {
            for (String column : m.columns().keySet()) {
                ps.setString(1, Sql.id(m.targetSchema(), m.targetTable()));
                ps.setString(2, column);
                try (ResultSet rs = ps.executeQuery()) {
                    types.add(rs.next() ? rs.getLong(1) : -1);
                }
            }
        }
        return types;
    }

    private static int major(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT current_setting('server_version_num')::int / 10000");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Whether every type is a built-in one that travels alike in binary, on a server of that major version. */
    private static boolean safe(Connection c, List<Long> types, int major) throws SQLException {
        List<Long> distinct = types.stream().distinct().collect(Collectors.toList());
        try (PreparedStatement ps = c.prepareStatement(SAFE.formatted(major))) {
            ps.setArray(1, c.createArrayOf("int8", distinct.toArray()));
            int safe = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    safe++;
                }
            }
            return safe == distinct.size();
        }
    }
}
