package dev.tandem.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the catalog says about one table, as sorted lines that name nothing by its schema or
 * position: two tables with the same name in two schemas are indistinguishable exactly when their
 * descriptions are equal. Columns are described by name, so a column that moved to the end of the
 * table still matches.
 */
final class CatalogDescription {
    private CatalogDescription() {}

    /** The description of {@code schema.table}; names in other schemas are shown schema-qualified. */
    static List<String> of(TestDb db, String schema, String table) {
        try (Connection c = db.old();
                Statement s = c.createStatement()) {
            // Names in the schema itself print unqualified, so both schemas print alike.
            s.execute("SET search_path = " + Sql.id(schema));
            String rel = Sql.literal(Sql.id(schema, table));
            List<String> lines = new ArrayList<>();
            for (String query :
                    List.of(TABLE, COLUMNS, CONSTRAINTS, INDEXES, TRIGGERS, POLICIES, STATISTICS, SEQUENCES)) {
                TestDb.rows(c, query.replace(":rel", rel).replace(":schema", Sql.literal(schema)))
                        .forEach(r -> lines.add(r.getFirst()));
            }
            return lines.stream().sorted().toList();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final String ACL =
            "coalesce((SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(%s) x), '')";

    private static final String TABLE = """
            SELECT 'table kind=' || relkind::text || ' persistence=' || relpersistence::text || ' rls=' || relrowsecurity
                   || ' options=' || coalesce(reloptions::text, '') || ' owner=' || pg_get_userbyid(relowner)
                   || ' acl=' || %s || ' comment=' || coalesce(obj_description(oid, 'pg_class'), '')
            FROM pg_class WHERE oid = :rel::regclass
            """.formatted(ACL.formatted("relacl"));

    private static final String COLUMNS = """
            SELECT 'column ' || a.attname || ' type=' || format_type(a.atttypid, a.atttypmod)
                   || ' notnull=' || a.attnotnull || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
                   || ' collation=' || coalesce(a.attcollation::regcollation::text, '')
                   || ' identity=' || a.attidentity::text || ' generated=' || a.attgenerated::text
                   || ' stattarget=' || coalesce(a.attstattarget, -1) || ' storage=' || a.attstorage::text
                   || ' compression=' || a.attcompression::text || ' options=' || coalesce(a.attoptions::text, '')
                   || ' acl=' || %s || ' comment=' || coalesce(col_description(a.attrelid, a.attnum), '')
            FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = :rel::regclass AND a.attnum > 0 AND NOT a.attisdropped
            """.formatted(ACL.formatted("a.attacl"));

    private static final String CONSTRAINTS = """
            SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) || ' validated=' || convalidated
                   || ' deferrable=' || condeferrable || ' deferred=' || condeferred
                   || ' index=' || coalesce(conindid::regclass::text, '')
                   || ' comment=' || coalesce(obj_description(oid, 'pg_constraint'), '')
            FROM pg_constraint WHERE conrelid = :rel::regclass
            """;

    private static final String INDEXES = """
            SELECT 'index ' || replace(pg_get_indexdef(i.indexrelid), ' ON ' || quote_ident(:schema) || '.', ' ON ')
                   || ' valid=' || i.indisvalid || ' ready=' || i.indisready || ' clustered=' || i.indisclustered
                   || ' replident=' || i.indisreplident
                   || ' comment=' || coalesce(obj_description(i.indexrelid, 'pg_class'), '')
            FROM pg_index i WHERE i.indrelid = :rel::regclass
            """;

    private static final String TRIGGERS = """
            SELECT 'trigger ' || replace(pg_get_triggerdef(oid), ' ON ' || quote_ident(:schema) || '.', ' ON ')
                   || ' enabled=' || tgenabled::text
            FROM pg_trigger WHERE tgrelid = :rel::regclass AND NOT tgisinternal
            """;

    private static final String POLICIES = """
            SELECT 'policy ' || policyname || ' ' || permissive || ' ' || cmd || ' ' || roles::text
                   || ' using=' || coalesce(qual, '') || ' check=' || coalesce(with_check, '')
            FROM pg_policies WHERE schemaname = :schema AND tablename = (:rel::regclass::text)
            """;

    /** Columns sorted by name: the order PostgreSQL keeps them in follows their positions in the table. */
    private static final String STATISTICS = """
            SELECT 'statistics ' || s.stxname || ' kinds=' || array_to_string(s.stxkind, '')
                   || ' columns=' || coalesce((SELECT string_agg(a.attname, ',' ORDER BY a.attname)
                                               FROM unnest(s.stxkeys::int2[]) k(attnum)
                                               JOIN pg_attribute a ON a.attrelid = s.stxrelid AND a.attnum = k.attnum), '')
                   || ' expressions=' || coalesce(pg_get_statisticsobjdef_expressions(s.oid)::text, '')
                   || ' target=' || coalesce(s.stxstattarget, -1) || ' owner=' || pg_get_userbyid(s.stxowner)
                   || ' comment=' || coalesce(obj_description(s.oid, 'pg_statistic_ext'), '')
            FROM pg_statistic_ext s WHERE s.stxrelid = :rel::regclass
            """;

    private static final String SEQUENCES = """
            SELECT 'sequence of ' || a.attname || ' ' || s.relname || ' as=' || format_type(q.seqtypid, NULL)
                   || ' start=' || q.seqstart || ' increment=' || q.seqincrement || ' min=' || q.seqmin
                   || ' max=' || q.seqmax || ' cache=' || q.seqcache || ' cycle=' || q.seqcycle
                   || ' dependency=' || d.deptype::text || ' acl=' || %s
            FROM pg_depend d
            JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
            JOIN pg_sequence q ON q.seqrelid = s.oid
            JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
            WHERE d.refobjid = :rel::regclass AND d.classid = 'pg_class'::regclass
            """.formatted(ACL.formatted("s.relacl"));
}
