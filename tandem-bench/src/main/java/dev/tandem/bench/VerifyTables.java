package dev.tandem.bench;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The compared tables: {@code customers_<rows>} with a bigint key and columns of the types a service's
 * table mixes (text, numeric, double precision, timestamptz, boolean, uuid, date, jsonb, with NULLs in
 * some), every value a function of the key, so that any row can be written again exactly as it was
 * loaded. The drift the benchmark plants is recorded here, with the way back.
 */
final class VerifyTables {
    /** What a key's row holds; {@code %s} is where the keys come from, as {@code g}. */
    private static final String ROWS = """
            SELECT g,
                   'customer ' || md5(g::text),
                   round((g * 7919 %% 10000000) / 100.0, 2),
                   g * 0.001 + 0.5,
                   timestamptz '2020-01-01 00:00:00+00' + g * interval '1 second',
                   g %% 3 = 0,
                   md5('u' || g)::uuid,
                   CASE WHEN g %% 7 <> 0 THEN date '1950-01-01' + (g %% 20000)::int END,
                   CASE WHEN g %% 10 <> 0 THEN jsonb_build_object('tier', g %% 5, 'tags', jsonb_build_array('a', g %% 7)) END
            FROM %s""";

    /**
     * The planted drift: one change to each of eight columns, a row missing from the new side and one
     * extra there; pg_comparator names them UPDATE, INSERT and DELETE.
     */
    private static final List<String> CHANGES = List.of(
            "UPDATE %s SET amount = amount + 0.01 WHERE id = %d",
            "UPDATE %s SET name = name || '.' WHERE id = %d",
            "UPDATE %s SET score = score * 1.000001 WHERE id = %d",
            "UPDATE %s SET created_at = created_at + interval '1 microsecond' WHERE id = %d",
            "UPDATE %s SET active = NOT active WHERE id = %d",
            "UPDATE %s SET ref = md5('drift' || id)::uuid WHERE id = %d",
            "UPDATE %s SET born = coalesce(born + 1, date '2000-01-01') WHERE id = %d",
            "UPDATE %s SET attrs = coalesce(attrs, '{}') || '{\"tier\": 99}' WHERE id = %d");

    private VerifyTables() {}

    static String name(long rows) {
        return "customers_" + rows;
    }

    /** Creates and loads the table of {@code rows} rows, frozen and analysed as a settled table is. */
    static void load(Store store, long rows) {
        String t = name(rows);
        long began = System.nanoTime();
        store.exec(
                "DROP TABLE IF EXISTS " + t,
                """
                CREATE TABLE %s (id bigint NOT NULL, name text NOT NULL, amount numeric(12, 2),
                  score double precision, created_at timestamptz NOT NULL, active boolean NOT NULL, ref uuid NOT NULL,
                  born date, attrs jsonb)""".formatted(t),
                "INSERT INTO " + t + " " + ROWS.formatted("generate_series(1::bigint, " + rows + ") g"),
                "ALTER TABLE " + t + " ADD PRIMARY KEY (id)",
                "VACUUM (FREEZE, ANALYZE) " + t);
        BenchDb.log("verify: loaded " + t + " in " + (System.nanoTime() - began) / 1_000_000_000 + " s");
    }

    /**
     * Drift planted on the new side of a table.
     *
     * @param changed keys whose row differs in one column
     * @param missing a key whose row the new side lacks
     * @param extra a key only the new side has
     */
    record Drift(List<Long> changed, long missing, long extra) {
        /** Every drifted key. */
        Set<Long> keys() {
            Set<Long> keys = new LinkedHashSet<>(changed);
            keys.add(missing);
            keys.add(extra);
            return keys;
        }

        String describe() {
            return changed.size() + " rows changed in one column each ("
                    + changed.stream().map(String::valueOf).collect(Collectors.joining(", "))
                    + "), " + missing + " deleted and " + extra + " inserted on the new side";
        }
    }

    /** Plants ten drifted keys on {@code neu}'s table, at keys drawn with {@code seed}. */
    static Drift plant(Store neu, long rows, long seed) {
        String t = name(rows);
        Random random = new Random(seed);
        Set<Long> keys = new LinkedHashSet<>();
        while (keys.size() < CHANGES.size() + 1) {
            keys.add(1 + (long) (random.nextDouble() * rows));
        }
        List<Long> drawn = new ArrayList<>(keys);
        List<String> sql = new ArrayList<>();
        for (int i = 0; i < CHANGES.size(); i++) {
            sql.add(CHANGES.get(i).formatted(t, drawn.get(i)));
        }
        long missing = drawn.getLast();
        long extra = rows + 1 + random.nextInt(1000);
        sql.add("DELETE FROM " + t + " WHERE id = " + missing);
        sql.add("INSERT INTO " + t + " " + ROWS.formatted("(VALUES (" + extra + "::bigint)) v(g)"));
        neu.exec(sql.toArray(String[]::new));
        return new Drift(drawn.subList(0, CHANGES.size()), missing, extra);
    }

    /** Writes every drifted row of {@code neu} back as it was loaded (and drops the extra one). */
    static void heal(Store neu, long rows, Drift drift) {
        String t = name(rows);
        String keys = drift.keys().stream().map(String::valueOf).collect(Collectors.joining(","));
        String loaded = drift.keys().stream()
                .filter(k -> k <= rows)
                .map(String::valueOf)
                .collect(Collectors.joining(","));
        neu.exec(
                "DELETE FROM " + t + " WHERE id IN (" + keys + ")",
                "INSERT INTO " + t + " " + ROWS.formatted("unnest('{" + loaded + "}'::bigint[]) g"),
                "VACUUM " + t);
    }
}
