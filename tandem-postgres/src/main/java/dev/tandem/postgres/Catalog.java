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
            String definition,
            String comment) {}

    record Constraint(String name, char type, List<String> columns, String definition, String comment) {}

    /**
     * An extended statistics object on the table: {@code kinds} holds its {@code stxkind} letters,
     * {@code dependsOn} every column it reads (its columns and those its expressions name), {@code
     * target} is null unless set, {@code comment} null unless set.
     */
    record Statistics(
            String schema,
            String name,
            String kinds,
            List<String> columns,
            List<String> expressions,
            List<String> dependsOn,
            Integer target,
            String owner,
            String comment) {}

    /**
     * A sequence that fills a column: its quoted, qualified {@code name}, its type ({@code smallint},
     * {@code integer} or {@code bigint}), bounds, and last value (null when never used, or not
     * readable by this role).
     */
    record Sequence(String name, String type, long min, long max, long start, Long lastValue) {}

    /**
     * A unique index (or the unique constraint it enforces) that can stand in for a primary key: its
     * {@code columns} are NOT NULL, and at any moment no two rows share their values.
     */
    record UniqueKey(String name, List<String> columns) {}

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
            boolean rowSecurity,
            List<Statistics> statistics,
            Map<String, Sequence> sequences,
            Map<String, String> uniqueBy,
            Map<String, String> columnComments,
            String replicaIdentity,
            List<UniqueKey> uniqueKeys) {

        Optional<Column> column(String name) {
            return columns.stream().filter(c -> c.name().equals(name)).findFirst();
        }

        /**
         * What already makes a column unique on its own, as it would be named to an operator ("unique
         * constraint codes_code_key"), when a plain {@code UNIQUE (column)} would only duplicate it.
         */
        Optional<String> uniqueBy(String column) {
            return Optional.ofNullable(uniqueBy.get(column));
        }

        /**
         * The keys that identify a row, best first: the primary key, then each unique key over NOT NULL
         * columns ({@link #UNIQUE_KEYS}), narrowest first. Empty for a table with neither.
         */
        List<UniqueKey> rowKeys() {
            List<UniqueKey> keys = new ArrayList<>();
            if (!primaryKey.isEmpty()) {
                keys.add(new UniqueKey(
                        indexes.stream()
                                .filter(Index::primary)
                                .map(Index::name)
                                .findFirst()
                                .orElse("primary key"),
                        primaryKey));
            }
            keys.addAll(uniqueKeys);
            return keys;
        }

        /** The key columns the backfill walks in ranges; empty when the table has no row key, and it walks ctid. */
        List<String> backfillKey() {
            return rowKeys().stream().findFirst().map(UniqueKey::columns).orElse(List.of());
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
        int version;
        try (PreparedStatement ps = c.prepareStatement("SELECT current_setting('server_version_num')::int");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            version = rs.getInt(1);
        }
        Map<String, Table> tables = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(TABLES)) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long oid = rs.getLong("oid");
                    tables.put(rs.getString("relname"), loadTable(c, oid, rs, version));
                }
            }
        }
        return new Catalog(schema, exists, tables, schemas, version);
    }

    private static Table loadTable(Connection c, long oid, ResultSet t, int version) throws SQLException {
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
                            rs.getString("def"),
                            rs.getString("comment"));
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
                            rs.getString("def"),
                            rs.getString("comment")));
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
                t.getBoolean("relrowsecurity"),
                statistics(c, oid, version),
                sequences(c, oid),
                uniqueBy(c, oid),
                columnComments(c, oid),
                replicaIdentity(c, oid),
                uniqueKeys(c, oid));
    }

    /** Each column's comment, by column name; columns without one are absent. */
    private static Map<String, String> columnComments(Connection c, long oid) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (PreparedStatement ps =
                c.prepareStatement("SELECT a.attname, d.description FROM pg_attribute a JOIN pg_description d"
                        + " ON d.objoid = a.attrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum"
                        + " WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped")) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return out;
    }

    private static List<UniqueKey> uniqueKeys(Connection c, long oid) throws SQLException {
        List<UniqueKey> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(UNIQUE_KEYS)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new UniqueKey(rs.getString("name"), strings(rs, "cols")));
                }
            }
        }
        return out;
    }

    /** The replica identity as ALTER TABLE ... REPLICA IDENTITY writes it: DEFAULT, FULL, NOTHING or USING INDEX "i". */
    private static String replicaIdentity(Connection c, long oid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT t.relreplident, (SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
                        + " WHERE x.indrelid = t.oid AND x.indisreplident) FROM pg_class t WHERE t.oid = ?")) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return switch (rs.getString(1)) {
                    case "f" -> "FULL";
                    case "n" -> "NOTHING";
                    case "i" -> "USING INDEX " + Sql.id(rs.getString(2));
                    default -> "DEFAULT";
                };
            }
        }
    }

    private static List<Statistics> statistics(Connection c, long oid, int version) throws SQLException {
        List<Statistics> out = new ArrayList<>();
        String sql = STATISTICS.formatted(
                version >= 140000 ? "pg_get_statisticsobjdef_expressions(s.oid)" : "NULL::text[]",
                version >= 130000 ? "CASE WHEN s.stxstattarget >= 0 THEN s.stxstattarget END" : "NULL::int");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Statistics(
                            rs.getString("nspname"),
                            rs.getString("stxname"),
                            rs.getString("kinds"),
                            strings(rs, "cols"),
                            strings(rs, "exprs"),
                            strings(rs, "depends"),
                            (Integer) rs.getObject("target"),
                            rs.getString("owner"),
                            rs.getString("comment")));
                }
            }
        }
        return out;
    }

    private static Map<String, Sequence> sequences(Connection c, long oid) throws SQLException {
        Map<String, Sequence> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(SEQUENCE_DETAILS)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(
                            rs.getString("attname"),
                            new Sequence(
                                    rs.getString("seq"),
                                    rs.getString("type"),
                                    rs.getLong("seqmin"),
                                    rs.getLong("seqmax"),
                                    rs.getLong("seqstart"),
                                    (Long) rs.getObject("last_value")));
                }
            }
        }
        return out;
    }

    private static Map<String, String> uniqueBy(Connection c, long oid) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(UNIQUE_BY)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.putIfAbsent(rs.getString("attname"), rs.getString("what"));
                }
            }
        }
        return out;
    }

    private static List<String> strings(ResultSet rs, String column) throws SQLException {
        java.sql.Array array = rs.getArray(column);
        return array == null ? List.of() : Arrays.asList((String[]) array.getArray());
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
                   con.conname, pg_get_indexdef(i.indexrelid) AS def,
                   obj_description(i.indexrelid, 'pg_class') AS comment
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
                   pg_get_constraintdef(con.oid) AS def,
                   obj_description(con.oid, 'pg_constraint') AS comment
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

    /** %1$s: the expressions (PostgreSQL 14 and later); %2$s: the target, when set (13 and later). */
    private static final String STATISTICS = """
            SELECT n.nspname, s.stxname, array_to_string(s.stxkind, '') AS kinds,
                   ARRAY(SELECT a.attname::text FROM unnest(s.stxkeys::int2[]) WITH ORDINALITY k(attnum, ord)
                         JOIN pg_attribute a ON a.attrelid = s.stxrelid AND a.attnum = k.attnum
                         ORDER BY k.ord) AS cols,
                   %1$s AS exprs,
                   ARRAY(SELECT DISTINCT a.attname::text FROM pg_depend d
                         JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                         WHERE d.classid = 'pg_statistic_ext'::regclass AND d.objid = s.oid
                           AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0) AS depends,
                   %2$s AS target, pg_get_userbyid(s.stxowner) AS owner,
                   obj_description(s.oid, 'pg_statistic_ext') AS comment
            FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace
            WHERE s.stxrelid = ?
            ORDER BY n.nspname, s.stxname
            """;

    private static final String SEQUENCE_DETAILS = """
            SELECT a.attname, quote_ident(sn.nspname) || '.' || quote_ident(s.relname) AS seq,
                   format_type(q.seqtypid, NULL) AS type, q.seqmin, q.seqmax, q.seqstart,
                   CASE WHEN has_sequence_privilege(s.oid, 'SELECT, USAGE') THEN pg_sequence_last_value(s.oid) END
                       AS last_value
            FROM pg_depend d
            JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
            JOIN pg_sequence q ON q.seqrelid = s.oid
            JOIN pg_namespace sn ON sn.oid = s.relnamespace
            JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
            WHERE d.refobjid = ? AND d.deptype IN ('a', 'i') AND d.classid = 'pg_class'::regclass
            """;

    /**
     * Valid, immediate unique indexes (a primary key, a unique constraint or a plain unique index) on
     * one column alone, whole-table, with its default operator class and collation: the same
     * uniqueness a plain {@code UNIQUE (column)} gives, or (NULLS NOT DISTINCT) a stricter one.
     */
    private static final String UNIQUE_BY = """
            SELECT a.attname,
                   CASE WHEN i.indisprimary THEN 'primary key ' || con.conname
                        WHEN con.conname IS NOT NULL THEN 'unique constraint ' || con.conname
                        ELSE 'unique index ' || ic.relname END AS what
            FROM pg_index i
            JOIN pg_class ic ON ic.oid = i.indexrelid
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
            JOIN pg_opclass opc ON opc.oid = i.indclass[0]
            LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u')
            WHERE i.indrelid = ? AND i.indisunique AND i.indisvalid AND i.indimmediate AND i.indnkeyatts = 1
              AND i.indexprs IS NULL AND i.indpred IS NULL AND opc.opcdefault
              AND i.indcollation[0] = a.attcollation
            ORDER BY i.indisprimary DESC, con.conname IS NULL, ic.relname
            """;

    /**
     * Unique indexes that may stand in for a primary key, narrowest first (fewest columns, then the
     * fewest bytes of fixed-width columns, variable-width ones counted as 64), each with its key columns
     * in order. A candidate must be valid, ready and live; immediate (a DEFERRABLE unique constraint
     * lets two rows share a key until commit); whole-table (no predicate) and over plain columns (no
     * expression); a btree whose every key column is NOT NULL (validated: PostgreSQL 18's NOT NULL NOT
     * VALID leaves attnotnull set), with its column's default operator class and collation, so that
     * {@code =} and ORDER BY on the column mean exactly what the index enforces. INCLUDE columns are not
     * part of the key. The primary key is left out: {@link Table#rowKeys()} puts it first.
     */
    private static final String UNIQUE_KEYS = """
            SELECT ic.relname AS name,
                   ARRAY(SELECT a.attname::text FROM generate_series(0, i.indnkeyatts - 1) k
                         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k]
                         ORDER BY k) AS cols
            FROM pg_index i
            JOIN pg_class ic ON ic.oid = i.indexrelid
            JOIN pg_am am ON am.oid = ic.relam
            LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u')
            WHERE i.indrelid = ? AND i.indisunique AND NOT i.indisprimary AND NOT i.indisexclusion
              AND i.indisvalid AND i.indisready AND i.indislive AND i.indimmediate
              AND i.indexprs IS NULL AND i.indpred IS NULL AND am.amname = 'btree'
              AND (con.oid IS NULL OR NOT con.condeferrable)
              AND NOT EXISTS (
                SELECT FROM generate_series(0, i.indnkeyatts - 1) k
                LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k] AND i.indkey[k] > 0
                LEFT JOIN pg_opclass opc ON opc.oid = i.indclass[k]
                WHERE a.attnum IS NULL OR NOT a.attnotnull OR opc.oid IS NULL OR NOT opc.opcdefault
                   OR i.indcollation[k] <> a.attcollation
                   OR EXISTS (SELECT FROM pg_constraint n
                              WHERE n.conrelid = i.indrelid AND n.contype = 'n' AND NOT n.convalidated
                                AND n.conkey = ARRAY[a.attnum]))
            ORDER BY i.indnkeyatts,
                     (SELECT sum(CASE WHEN t.typlen > 0 THEN t.typlen ELSE 64 END)
                      FROM generate_series(0, i.indnkeyatts - 1) k
                      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k]
                      JOIN pg_type t ON t.oid = a.atttypid),
                     con.conname IS NULL, ic.relname
            """;
}
