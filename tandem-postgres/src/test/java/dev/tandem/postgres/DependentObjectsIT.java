package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.Phase;
import dev.tandem.core.Problem;
import dev.tandem.core.TandemException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Objects that PostgreSQL will not let {@code complete} drop a column or a table from under (views,
 * generated columns, policies, rules, triggers, foreign keys, SQL-standard function bodies) are found
 * at {@code plan} and {@code start}, named with what to do, and the refusal changes nothing.
 */
class DependentObjectsIT extends LifecycleFixture {

    /** Every kind of object that depends on items.qty (dropped) or items.note (replaced by a copy). */
    static final String DEPENDENTS = """
            CREATE SCHEMA reports;
            CREATE VIEW reports.stock AS SELECT id, qty FROM items;
            CREATE MATERIALIZED VIEW reports.notes AS SELECT id, note FROM items;
            ALTER TABLE items ADD COLUMN double_qty int GENERATED ALWAYS AS (qty * 2) STORED;
            CREATE POLICY in_stock ON items USING (qty >= 0);
            CREATE TABLE audit (id int PRIMARY KEY, item_qty int);
            CREATE RULE mark AS ON INSERT TO audit DO ALSO UPDATE items SET note = 'audited' WHERE qty = NEW.item_qty;
            CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TRIGGER qty_changed BEFORE UPDATE OF qty ON items FOR EACH ROW EXECUTE FUNCTION touch();
            CREATE TRIGGER note_changed BEFORE UPDATE ON items FOR EACH ROW
              WHEN (NEW.note IS DISTINCT FROM OLD.note) EXECUTE FUNCTION touch();
            CREATE FUNCTION reports.total_qty() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT sum(qty) FROM items; END;
            """;

    static Migration dropQtyAndRetypeNote() {
        return TestDb.migration("0001_dependents", """
                  - drop_column: { table: items, column: qty, down: "0" }
                  - alter_column: { table: items, column: note, type: "varchar(200)", up: "note::varchar(200)", down: "note::text" }
                """, """
                  - { field: items.qty, sunset: 2020-01-01 }
                """);
    }

    @Test
    void shouldRefuseAtStartAndPlanEveryObjectThatDependsOnADroppedOrCopiedColumnAndChangeNothing() {
        db.exec(DEPENDENTS);
        Migration m = dropQtyAndRetypeNote();
        String before = CatalogSnapshot.of(db, "public.items");

        for (Runnable attempt :
                List.<Runnable>of(() -> db.engine().plan(m), () -> db.engine().start(m))) {
            assertThatThrownBy(attempt::run).isInstanceOfSatisfying(TandemException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.SCHEMA_MISMATCH);
                assertThat(e.getMessage()).contains("nothing was changed");
                List<String> dropped = messagesAt(e, m, 0);
                assertThat(dropped)
                        .allSatisfy(p -> assertThat(p)
                                .contains("depends on public.items.qty, which this migration drops")
                                .contains("complete would fail")
                                .contains("first, in a migration of its own, and create it again after complete"))
                        .anySatisfy(p -> assertThat(p).startsWith("view reports.stock depends on"))
                        .anySatisfy(
                                p -> assertThat(p).startsWith("generated column public.items.double_qty depends on"))
                        .anySatisfy(p -> assertThat(p).startsWith("policy in_stock on public.items depends on"))
                        .anySatisfy(p -> assertThat(p).startsWith("rule mark on public.audit depends on"))
                        .anySatisfy(p -> assertThat(p).startsWith("trigger qty_changed on public.items depends on"))
                        .anySatisfy(p -> assertThat(p).startsWith("function reports.total_qty() depends on"))
                        .hasSize(6);
                List<String> copied = messagesAt(e, m, 1);
                assertThat(copied)
                        .allSatisfy(
                                p -> assertThat(p)
                                        .contains(
                                                "depends on public.items.note, which this migration replaces with its changed copy"))
                        .anySatisfy(p -> assertThat(p).startsWith("materialized view reports.notes depends on"))
                        .anySatisfy(p -> assertThat(p).startsWith("trigger note_changed on public.items depends on"))
                        .anySatisfy(p -> assertThat(p).startsWith("rule mark on public.audit depends on"))
                        .hasSize(3);
            });
            assertThat(CatalogSnapshot.of(db, "public.items")).isEqualTo(before);
        }
        assertThat(db.value("SELECT count(*) FROM pg_namespace WHERE nspname = 'tandem'"))
                .isEqualTo("0");
    }

    @Test
    void shouldRefuseToDropAColumnThatAForeignKeyOfAnotherTableReferences() {
        db.exec("""
                ALTER TABLE items ADD CONSTRAINT items_name_key UNIQUE (name);
                CREATE TABLE labels (id int PRIMARY KEY, item_name text REFERENCES items (name));
                """);
        Migration m = TestDb.migration("0001_drop_name", """
                  - drop_column: { table: items, column: name, down: "'unnamed'" }
                """, "  - { field: items.name, sunset: 2020-01-01 }\n");
        String before = CatalogSnapshot.of(db, "public.items");

        assertThatThrownBy(() -> db.engine().start(m))
                .isInstanceOfSatisfying(
                        TandemException.class,
                        e -> assertThat(messagesAt(e, m, 0))
                                .containsExactly(
                                        "foreign key labels_item_name_fkey on public.labels depends on public.items.name,"
                                                + " which this migration drops, so complete would fail after the whole backfill. Drop or"
                                                + " change the foreign key first, in a migration of its own, and create it again after complete"));
        assertThat(CatalogSnapshot.of(db, "public.items")).isEqualTo(before);
    }

    @Test
    void shouldRefuseToDropATableThatObjectsOutsideItDependOnButNotForItsOwnTriggersAndPolicies() {
        db.exec("""
                CREATE SCHEMA reports;
                CREATE TABLE legacy (id int PRIMARY KEY, v text);
                CREATE VIEW reports.legacy_values AS SELECT v FROM legacy;
                CREATE TABLE snapshots (id int PRIMARY KEY, taken legacy);
                CREATE FUNCTION reports.describe(l legacy) RETURNS text LANGUAGE sql RETURN l.v;
                CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
                CREATE TRIGGER v_changed BEFORE UPDATE OF v ON legacy FOR EACH ROW EXECUTE FUNCTION touch();
                CREATE POLICY visible ON legacy USING (v IS NOT NULL);
                """);
        Migration m = TestDb.migration(
                "0001_drop_legacy",
                "  - drop_table: { name: legacy }\n",
                "  - { field: legacy, sunset: 2020-01-01 }\n");
        String before = CatalogSnapshot.of(db, "public.legacy");

        assertThatThrownBy(() -> db.engine().start(m)).isInstanceOfSatisfying(TandemException.class, e -> assertThat(
                        messagesAt(e, m, 0))
                .allSatisfy(p -> assertThat(p).contains("depends on table public.legacy, which this migration drops"))
                .anySatisfy(p -> assertThat(p).startsWith("view reports.legacy_values depends on"))
                .anySatisfy(p -> assertThat(p).startsWith("table public.snapshots depends on"))
                .anySatisfy(p -> assertThat(p).startsWith("function reports.describe(l legacy) depends on"))
                .hasSize(3));
        assertThat(CatalogSnapshot.of(db, "public.legacy")).isEqualTo(before);
    }

    @Test
    void shouldNotRefuseARenameOrAChangeOfAColumnThatOnlyTheTablesOwnIndexesAndConstraintsUse() {
        db.exec("""
                CREATE SCHEMA reports;
                CREATE VIEW reports.stock AS SELECT id, qty FROM items;
                CREATE INDEX items_qty_idx ON items (qty);
                """);
        Engine engine = db.engine();
        // PostgreSQL tracks a view's columns by number: the view follows the rename.
        assertThat(engine.start(TestDb.migration(
                                "0001_rename_qty", """
                          - rename_column: { table: items, from: qty, to: quantity }
                        """, "  - { field: items.qty, sunset: 2020-01-01 }\n"))
                        .phase())
                .isEqualTo(Phase.BACKFILLED);
        engine.complete(TransitionRequest.active());
        assertThat(db.value("SELECT sum(qty) FROM reports.stock"))
                .isEqualTo(db.value("SELECT sum(quantity) FROM items"));

        // items.name has its own index and NOT NULL; tandem rebuilds them on the copy.
        assertThat(engine.start(TestDb.migration("0002_widen_name", """
                          - alter_column: { table: items, column: name, type: "varchar(100)", up: "name::varchar(100)", down: "name::text" }
                        """, null)).phase())
                .isEqualTo(Phase.BACKFILLED);
        assertThat(engine.complete(TransitionRequest.active()).phase()).isEqualTo(Phase.COMPLETE);
    }

    /** The messages of the problems found at operation {@code index} of {@code m}. */
    private static List<String> messagesAt(TandemException e, Migration m, int index) {
        return e.problems().stream()
                .filter(p -> p.location().equals(m.operations().get(index).location()))
                .map(Problem::message)
                .toList();
    }
}
