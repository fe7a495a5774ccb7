package dev.tandem.postgres;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a column changed through a copy keeps, so that after {@code complete} its table cannot be told
 * from one that always had the new shape (except for the column's position, which moves to the end):
 * the column's privileges, comment, statistics target, storage, compression and options, the
 * comments of its indexes and constraints, the extended statistics that read it, and the type of the
 * sequence that fills it.
 */
final class CopyFidelity {
    private CopyFidelity() {}

    /** Original column to its copy, for every copy of the table. */
    static Map<String, String> copies(TableChange tc) {
        Map<String, String> m = new LinkedHashMap<>();
        tc.copies.forEach(c -> m.put(c.column(), c.copy()));
        return m;
    }

    /** The table's indexes that hold a copied column: each is rebuilt once on the copies. */
    static List<Catalog.Index> indexes(TableChange tc) {
        Set<String> copied = copies(tc).keySet();
        return tc.existing.indexes().stream()
                .filter(i -> i.columns().stream().anyMatch(copied::contains))
                .filter(i -> i.constraintName() == null || !tc.droppedConstraints.contains(i.constraintName()))
                .toList();
    }

    /** The table's checks and foreign keys that name a copied column: each is rebuilt once on the copies. */
    static List<Catalog.Constraint> constraints(TableChange tc) {
        Set<String> copied = copies(tc).keySet();
        return tc.existing.constraints().stream()
                .filter(k -> (k.type() == 'c' || k.type() == 'f')
                        && k.columns().stream().anyMatch(copied::contains)
                        && !tc.droppedConstraints.contains(k.name()))
                .toList();
    }

    /**
     * A DO block that gives each copy of the table (quoted, qualified) what its original column has:
     * privileges (exactly: the copy loses what the original does not have), comment, statistics
     * target, options ({@code n_distinct}), and storage and compression where the copy's type allows
     * them. Read from the catalog when it runs, so a grant or a revoke made while the migration is
     * active counts. Re-granted privileges name the role that runs it as their grantor. Null when the
     * table has no copies.
     */
    static String settings(String table, TableChange tc, int serverVersion) {
        if (tc.copies.isEmpty()) {
            return null;
        }
        boolean compression = serverVersion >= 140000;
        String columns = "a.attnum, a.attname, a.attacl, a.attstattarget, a.attoptions, a.attstorage, ty.typstorage"
                + (compression ? ", a.attcompression" : "");
        String pairs = tc.copies.stream()
                .map(c -> "(" + Sql.literal(c.column()) + ", " + Sql.literal(c.copy()) + ")")
                .collect(Collectors.joining(", "));
        String grantee = "CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r.grantee)) END";
        String body = """

                DECLARE
                  t regclass := %1$s::regclass;
                  pair record;
                  src record;
                  dst record;
                  r record;
                  storage "char";
                BEGIN
                  FOR pair IN SELECT * FROM (VALUES %2$s) v(original, copy) LOOP
                    SELECT %3$s INTO src FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
                      WHERE a.attrelid = t AND a.attname = pair.original;
                    SELECT %3$s INTO dst FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
                      WHERE a.attrelid = t AND a.attname = pair.copy;
                    IF coalesce(src.attstattarget, -1) <> coalesce(dst.attstattarget, -1) THEN
                      EXECUTE format('ALTER TABLE %%s ALTER COLUMN %%I SET STATISTICS %%s', t, dst.attname,
                        coalesce(src.attstattarget, -1));
                    END IF;
                    IF dst.attoptions IS DISTINCT FROM src.attoptions AND dst.attoptions IS NOT NULL THEN
                      EXECUTE format('ALTER TABLE %%s ALTER COLUMN %%I RESET (%%s)', t, dst.attname,
                        (SELECT string_agg(split_part(o, '=', 1), ', ') FROM unnest(dst.attoptions) o));
                    END IF;
                    IF dst.attoptions IS DISTINCT FROM src.attoptions AND src.attoptions IS NOT NULL THEN
                      EXECUTE format('ALTER TABLE %%s ALTER COLUMN %%I SET (%%s)', t, dst.attname,
                        array_to_string(src.attoptions, ', '));
                    END IF;
                    -- A storage set on the original (not its type's own) goes to a copy whose type has a choice.
                    storage := CASE WHEN src.attstorage <> src.typstorage THEN src.attstorage ELSE dst.typstorage END;
                    IF dst.typstorage <> 'p' AND dst.attstorage <> storage THEN
                      EXECUTE format('ALTER TABLE %%s ALTER COLUMN %%I SET STORAGE %%s', t, dst.attname,
                        CASE storage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END);
                    END IF;%4$s
                    IF col_description(t, src.attnum) IS DISTINCT FROM col_description(t, dst.attnum) THEN
                      EXECUTE format('COMMENT ON COLUMN %%s.%%I IS %%L', t, dst.attname, col_description(t, src.attnum));
                    END IF;
                    IF src.attacl IS DISTINCT FROM dst.attacl THEN
                      FOR r IN SELECT DISTINCT a.grantee FROM aclexplode(dst.attacl) a LOOP
                        EXECUTE format('REVOKE ALL (%%I) ON %%s FROM %%s CASCADE', dst.attname, t, %5$s);
                      END LOOP;
                      FOR r IN SELECT a.privilege_type AS p, a.grantee, a.is_grantable AS g FROM aclexplode(src.attacl) a LOOP
                        EXECUTE format('GRANT %%s (%%I) ON %%s TO %%s%%s', r.p, dst.attname, t, %5$s,
                          CASE WHEN r.g THEN ' WITH GRANT OPTION' ELSE '' END);
                      END LOOP;
                    END IF;
                  END LOOP;
                END
                """.formatted(Sql.literal(table), pairs, columns, compression ? COMPRESSION : "", grantee);
        return "DO " + Sql.dollarQuoted(body);
    }

    /** The compression of the original goes to a copy whose type can be compressed (PostgreSQL 14 and later). */
    private static final String COMPRESSION = "\n" + """
                IF dst.typstorage IN ('x', 'm') AND dst.attcompression <> src.attcompression THEN
                  EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET COMPRESSION %s', t, dst.attname,
                    CASE src.attcompression WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4' ELSE 'default' END);
                END IF;""".indent(4).stripTrailing();

    /** The comment statements that the rebuilt index and its constraint need, once they have their names. */
    static List<String> comments(String schema, String table, Catalog.Index index, Catalog.Table existing) {
        List<String> out = new ArrayList<>();
        if (index.comment() != null) {
            out.add("COMMENT ON INDEX " + Sql.id(schema, index.name()) + " IS " + Sql.literal(index.comment()));
        }
        if (index.constraintName() != null) {
            existing.constraints().stream()
                    .filter(k -> k.name().equals(index.constraintName()) && k.comment() != null)
                    .forEach(k -> out.add(comment(table, k)));
        }
        return out;
    }

    static String comment(String table, Catalog.Constraint k) {
        return "COMMENT ON CONSTRAINT " + Sql.id(k.name()) + " ON " + table + " IS " + Sql.literal(k.comment());
    }

    /**
     * Statements that re-create, once every copy has its final name, the extended statistics objects
     * that read a copied column: dropping the original column drops them. Objects that also read a
     * column this migration drops are left dropped, as PostgreSQL does. Their statistics are gathered
     * again by the next ANALYZE.
     */
    static List<String> statistics(String table, TableChange tc) {
        Map<String, String> finalNames = new LinkedHashMap<>();
        tc.copies.forEach(c -> finalNames.put(c.column(), c.finalName()));
        Set<String> dropped =
                tc.droppedColumns.stream().map(TableChange.Dropped::column).collect(Collectors.toSet());
        List<String> out = new ArrayList<>();
        for (Catalog.Statistics s : tc.existing.statistics()) {
            if (s.dependsOn().stream().noneMatch(finalNames::containsKey)
                    || s.dependsOn().stream().anyMatch(dropped::contains)) {
                continue;
            }
            String name = Sql.id(s.schema(), s.name());
            List<String> on = new ArrayList<>();
            s.columns().forEach(c -> on.add(Sql.id(finalNames.getOrDefault(c, c))));
            s.expressions().forEach(e -> on.add(Sql.renameColumns(e, renamed(finalNames))));
            List<String> kinds = new ArrayList<>();
            s.kinds().chars().forEach(k -> {
                switch (k) {
                    case 'd' -> kinds.add("ndistinct");
                    case 'f' -> kinds.add("dependencies");
                    case 'm' -> kinds.add("mcv");
                    default -> {} // 'e', statistics on expressions, comes with the expressions
                }
            });
            out.add("DROP STATISTICS IF EXISTS " + name);
            out.add("CREATE STATISTICS " + name + (kinds.isEmpty() ? "" : " (" + String.join(", ", kinds) + ")")
                    + " ON " + String.join(", ", on) + " FROM " + table);
            if (s.target() != null) {
                out.add("ALTER STATISTICS " + name + " SET STATISTICS " + s.target());
            }
            out.add("ALTER STATISTICS " + name + " OWNER TO " + Sql.id(s.owner()));
            if (s.comment() != null) {
                out.add("COMMENT ON STATISTICS " + name + " IS " + Sql.literal(s.comment()));
            }
        }
        return out;
    }

    private static Map<String, String> renamed(Map<String, String> finalNames) {
        Map<String, String> m = new LinkedHashMap<>();
        finalNames.forEach((from, to) -> {
            if (!from.equals(to)) {
                m.put(from, to);
            }
        });
        return m;
    }

    /**
     * The statement that gives the sequence filling a copied column the column's new integer type,
     * or null when none is needed. Run at complete, not before: until then the old column still
     * takes the sequence's values, and a wider sequence could hand it one it cannot hold. A narrower
     * type whose values the sequence has passed is refused at start ({@link CopyChecks}).
     */
    static String sequenceType(TableChange tc, TableChange.Copy c) {
        Catalog.Sequence sequence = tc.existing.sequences().get(c.column());
        String target = CopyChecks.sequenceType(c.type());
        if (sequence == null || target == null || target.equals(sequence.type())) {
            return null;
        }
        return "ALTER SEQUENCE " + sequence.name() + " AS " + target;
    }
}
