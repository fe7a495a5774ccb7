package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Migration;
import dev.tandem.core.MigrationFiles;
import dev.tandem.core.TandemException;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.MigrationFuzz;
import dev.tandem.testkit.PostgresExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every malformed file of {@link MigrationFuzz} that the reader accepts goes through {@code plan}
 * against the tables it was written for. {@code plan} changes nothing, and it may refuse a file only
 * with a {@link TandemException}: a NullPointerException or a raw SQLException is a bug.
 */
@ExtendWith(PostgresExtension.class)
class MigrationFuzzPlanIT {
    EmbeddedPostgres.Database database;

    /** Every relation, column, constraint, index, function, trigger and schema, for "nothing changed". */
    private static final String CATALOG = """
            SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text
                   || coalesce(' ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod), '')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
            UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
                      WHERE connamespace = 'public'::regnamespace
            UNION ALL SELECT 'schema ' || nspname FROM pg_namespace
            UNION ALL SELECT 'function ' || oid::regprocedure FROM pg_proc
                      WHERE pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
            UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal
            ORDER BY 1""";

    /**
     * The values whose models differ for the engine. The others (numbers, booleans, dates, emoji)
     * reach it as one more odd string, like the injection: planning each costs a connection and a
     * catalog read, and would add a minute to the build for nothing new.
     */
    private static final Set<String> VALUES = Set.of(
            "missing",
            "~",
            "a list",
            "an empty list",
            "an empty map",
            "a 300-item list",
            "a 10000-character string",
            "an injection");

    @Test
    void shouldPlanOrRefuseEveryAcceptedMalformedFileWithATandemExceptionAndChangeNothing() {
        TestDb db = new TestDb(database);
        db.exec(MigrationFuzz.FIXTURE);
        db.exec("INSERT INTO categories VALUES (1); INSERT INTO items (qty, category_id) VALUES (1, 1)");
        List<List<String>> before = db.rows(CATALOG);
        Engine engine = db.engine();

        List<String> failures = new ArrayList<>();
        int planned = 0;
        for (MigrationFuzz.Case c : MigrationFuzz.cases()) {
            if (!c.file().endsWith(".yaml") || !VALUES.contains(c.value())) {
                continue; // the JSON twin of a case parses into the same migration
            }
            Migration m;
            try {
                m = MigrationFiles.parse(c.file(), c.text());
            } catch (TandemException refused) {
                continue; // the reader's fuzz test holds these to their own rules
            }
            planned++;
            try {
                engine.plan(m);
            } catch (TandemException refused) {
                if (refused.getMessage() == null || refused.getMessage().isBlank()) {
                    failures.add(c + ": " + refused.code() + " without a message");
                }
            } catch (RuntimeException | StackOverflowError e) {
                failures.add(c + ": " + e);
            }
        }

        assertThat(planned).as("cases that reach the engine").isGreaterThan(150);
        assertThat(failures).isEmpty();
        assertThat(db.rows(CATALOG)).isEqualTo(before);
        assertThat(db.rows("SELECT qty, category_id FROM items")).containsExactly(List.of("1", "1"));
    }
}
