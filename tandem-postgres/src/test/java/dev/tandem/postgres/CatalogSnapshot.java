package dev.tandem.postgres;

/**
 * Everything a refused start must leave as it was: every schema, relation, function, trigger, policy
 * and rule outside the system schemas, every view's definition, every column of every table, and
 * every row of the given tables.
 */
final class CatalogSnapshot {
    private CatalogSnapshot() {}

    static String of(TestDb db, String... tables) {
        StringBuilder b = new StringBuilder(
                String.join("\n", db.rows("""
                SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text
                       || coalesce(' ' || pg_get_viewdef(c.oid), '')
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                UNION ALL SELECT 'schema ' || nspname FROM pg_namespace
                UNION ALL SELECT 'function ' || p.oid::regprocedure::text FROM pg_proc p
                          JOIN pg_namespace n ON n.oid = p.pronamespace
                          WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
                UNION ALL SELECT 'trigger ' || tgname || ' ' || tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal
                UNION ALL SELECT 'policy ' || polname || ' ' || polrelid::regclass::text FROM pg_policy
                UNION ALL SELECT 'rule ' || rulename || ' ' || ev_class::regclass::text FROM pg_rewrite WHERE rulename <> '_RETURN'
                UNION ALL SELECT 'column ' || a.attrelid::regclass::text || '.' || a.attname || ' '
                                 || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull
                          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                          JOIN pg_namespace n ON n.oid = c.relnamespace
                          WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                            AND a.attnum > 0 AND NOT a.attisdropped
                UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
                          WHERE connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
                ORDER BY 1""").stream().map(r -> r.getFirst()).toList()));
        for (String table : tables) {
            b.append('\n').append(table).append(' ').append(db.rowChecksum(table));
        }
        return b.toString();
    }
}
