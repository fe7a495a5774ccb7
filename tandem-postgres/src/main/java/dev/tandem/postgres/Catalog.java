package dev.tandem.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the live database holds in one schema: tables, columns, keys, indexes and constraints. */
record Catalog(
        String schema, boolean schemaExists, Map<String, Table> tables, List<String> otherSchemas, int serverVersion) {

    /**
     * A column; {@code collation} is its quoted, schema-qualified collation when that differs from its
     * type's default, else null.
     */
    record Column(
            String name,
            String type,
            boolean notNull,
            String defaultExpr,
            boolean identity,
            boolean identityAlways,
            boolean generated,
            String collation) {}

    record Index(
            String name,
            List<String> columns,
            boolean unique,
            boolean primary,
            boolean simple,
            String method,
            String constraintName,
            String definition) {}

    record Constraint(String name, char type, List<String> columns, String definition) {}

    /** A foreign key in another table that points at a column of this table. */
    record IncomingForeignKey(String name, String fromTable, List<String> columns) {}

    record Table(
            String name,
            List<Column> columns,
            List<String> primaryKey,
            List<Index> indexes,
            List<Constraint> constraints,
            List<IncomingForeignKey> incoming,
            Map<String, String> ownedSequences,
            long estimatedRows,
            long sizeBytes,
            boolean rowSecurity) {

        Optional<Column> column(String name) {
            return columns.stream().filter(c -> c.name().equals(name)).findFirst();
        }
    }

    Optional<Table> table(String name) {
        return Optional.ofNullable(tables.get(name));
    }

    boolean indexExists(String name) {
        return tables.values().stream().flatMap(t -> t.indexes().stream()).anyMatch(i -> i.name()
                .equals(name));
    }

    boolean relationExists(String name) {
        return tables.containsKey(name) || indexExists(name);
    }

    static Catalog load(Connection c, String schema) throws SQLException {
        boolean exists;
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                exists = rs.next();
            }
        }
        List<String> schemas = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT nspname FROM pg_namespace");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                schemas.add(rs.getString(1));
            }
        }
        Map<String, Table> tables = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(TABLES)) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long oid = rs.getLong("oid");
                    tables.put(rs.getString("relname"), loadTable(c, oid, rs));
                }
            }
        }
        int version;
        try (PreparedStatement ps = c.prepareStatement("SELECT current_setting('server_version_num')::int");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            version = rs.getInt(1);
        }
        return new Catalog(schema, exists, tables, schemas, version);
    }

    private static Table loadTable(Connection c, long oid, ResultSet t) throws SQLException {
        List<Column> columns = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(COLUMNS)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(new Column(
                            rs.getString("attname"),
                            rs.getString("type"),
                            rs.getBoolean("attnotnull"),
                            rs.getString("def"),
                            !rs.getString("attidentity").isEmpty(),
                            rs.getString("attidentity").equals("a"),
                            !rs.getString("attgenerated").isEmpty(),
                            rs.getString("collname") == null
                                    ? null
                                    : Sql.id(rs.getString("collnsp"), rs.getString("collname"))));
                }
            }
        }
        List<Index> indexes = new ArrayList<>();
        List<String> primaryKey = List.of();
        try (PreparedStatement ps = c.prepareStatement(INDEXES)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    List<String> cols =
                            Arrays.asList((String[]) rs.getArray("cols").getArray());
                    Index index = new Index(
                            rs.getString("name"),
                            cols,
                            rs.getBoolean("indisunique"),
                            rs.getBoolean("indisprimary"),
                            rs.getBoolean("simple"),
                            rs.getString("method"),
                            rs.getString("conname"),
                            rs.getString("def"));
                    indexes.add(index);
                    if (index.primary()) {
                        primaryKey = cols;
                    }
                }
            }
        }
        List<Constraint> constraints = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(CONSTRAINTS)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String[] cols = rs.getArray("cols") == null
                            ? new String[0]
                            : (String[]) rs.getArray("cols").getArray();
                    constraints.add(new Constraint(
                            rs.getString("conname"),
                            rs.getString("contype").charAt(0),
                            Arrays.asList(cols),
                            rs.getString("def")));
                }
            }
        }
        List<IncomingForeignKey> incoming = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(INCOMING)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    incoming.add(new IncomingForeignKey(
                            rs.getString("conname"), rs.getString("fromtable"), Arrays.asList((String[])
                                    rs.getArray("cols").getArray())));
                }
            }
        }
        Map<String, String> sequences = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(SEQUENCES)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    sequences.put(rs.getString("attname"), rs.getString("seq"));
                }
            }
        }
        return new Table(
                t.getString("relname"),
                columns,
                primaryKey,
                indexes,
                constraints,
                incoming,
                sequences,
                Math.max(0, t.getLong("reltuples")),
                t.getLong("size"),
                t.getBoolean("relrowsecurity"));
    }

    private static final String TABLES = """
            SELECT c.oid, c.relname, c.reltuples::bigint AS reltuples, pg_total_relation_size(c.oid) AS size, c.relrowsecurity
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ? AND c.relkind IN ('r', 'p')
            ORDER BY c.relname
            """;

    private static final String COLUMNS = """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
                   pg_get_expr(d.adbin, d.adrelid) AS def, a.attidentity::text, a.attgenerated::text,
                   cn.nspname AS collnsp, co.collname
            FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            JOIN pg_type ty ON ty.oid = a.atttypid
            LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> ty.typcollation
            LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
            WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """;

    private static final String INDEXES = """
            SELECT ic.relname AS name, i.indisunique, i.indisprimary, am.amname AS method,
                   (i.indexprs IS NULL AND i.indpred IS NULL AND NOT (0 = ANY (i.indkey::int2[]))) AS simple,
                   ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                         ORDER BY k.ord) AS cols,
                   con.conname, pg_get_indexdef(i.indexrelid) AS def
            FROM pg_index i
            JOIN pg_class ic ON ic.oid = i.indexrelid
            JOIN pg_am am ON am.oid = ic.relam
            LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x')
            WHERE i.indrelid = ?
            ORDER BY ic.relname
            """;

    private static final String CONSTRAINTS = """
            SELECT con.conname, con.contype::text,
                   ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                         JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                         ORDER BY k.ord) AS cols,
                   pg_get_constraintdef(con.oid) AS def
            FROM pg_constraint con
            WHERE con.conrelid = ?
            ORDER BY con.conname
            """;

    private static final String INCOMING = """
            SELECT con.conname, src.relname AS fromtable,
                   ARRAY(SELECT a.attname::text FROM unnest(con.confkey) k(attnum)
                         JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS cols
            FROM pg_constraint con JOIN pg_class src ON src.oid = con.conrelid
            WHERE con.contype = 'f' AND con.confrelid = ?
            """;

    private static final String SEQUENCES = """
            SELECT a.attname, quote_ident(sn.nspname) || '.' || quote_ident(s.relname) AS seq
            FROM pg_depend d
            JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
            JOIN pg_namespace sn ON sn.oid = s.relnamespace
            JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
            WHERE d.refobjid = ? AND d.deptype IN ('a', 'i') AND d.classid = 'pg_class'::regclass
            """;
}
