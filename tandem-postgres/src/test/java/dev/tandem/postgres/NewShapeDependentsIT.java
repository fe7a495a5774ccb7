package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Objects of the user's that read the new shape are never dropped without a word. */
@ExtendWith(PostgresExtension.class)
class NewShapeDependentsIT {
    static final String ID = "0001_qty_bigint";

    EmbeddedPostgres.Database database;
    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(database);
        db.exec("""
                CREATE TABLE items (id bigserial PRIMARY KEY, qty int, note text);
                INSERT INTO items (qty, note) SELECT g, 'n' || g FROM generate_series(1, 100) g;
                """);
        db.engine().start(TestDb.migration(ID, """
                  - alter_column: { table: items, column: qty, type: bigint, up: "qty::bigint", down: "qty::int" }
                """, null));
        db.exec("""
                CREATE SCHEMA reports;
                CREATE VIEW reports.big_items AS SELECT id, qty FROM public_0001_qty_bigint.items WHERE qty > 50;
                CREATE FUNCTION reports.total() RETURNS numeric LANGUAGE sql
                  BEGIN ATOMIC SELECT sum(qty) FROM public_0001_qty_bigint.items; END;
                """);
    }

    /** Every relation, function and trigger, and the table's definition. */
    private String snapshot() {
        return db.rows("""
                        SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text FROM pg_class c
                        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT LIKE 'pg_%'
                        UNION ALL SELECT 'function ' || p.oid::regprocedure::text FROM pg_proc p
                        JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname NOT LIKE 'pg_%'
                        UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal
                        ORDER BY 1""").toString() + db.definition("public.items");
    }

    @Test
    void shouldRefuseARollbackThatWouldDropTheUsersObjectsAndNameThem() {
        String before = snapshot();
        assertThatThrownBy(() -> db.engine().rollback(TransitionRequest.active()))
                .isInstanceOfSatisfying(TandemException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.GATE_REFUSED);
                    assertThat(e.getMessage())
                            .contains("view reports.big_items")
                            .contains("function reports.total()")
                            .contains("--force --reason");
                });
        assertThat(snapshot()).isEqualTo(before);
        assertThat(db.engine().status(ID).orElseThrow().phase()).isEqualTo(Phase.BACKFILLED);
    }

    @Test
    void shouldNameWhatAForcedRollbackDroppedInTheHistory() {
        db.engine().rollback(new TransitionRequest(null, true, "reports are rebuilt tonight"));

        assertThat(db.value("SELECT count(*) FROM pg_class WHERE relname = 'big_items'"))
                .isEqualTo("0");
        assertThat(db.engine().history().getLast().reason())
                .contains("reports are rebuilt tonight")
                .contains("view reports.big_items")
                .contains("function reports.total()");
    }

    @Test
    void shouldRefuseACompleteThatWouldDropTheUsersObjectsAndCompleteOnceTheyAreGone() {
        String before = snapshot();
        assertThatThrownBy(() -> db.engine().complete(new TransitionRequest(null, true, "forced")))
                .isInstanceOfSatisfying(TandemException.class, e -> assertThat(e.getMessage())
                        .contains("view reports.big_items")
                        .contains("function reports.total()"));
        assertThat(snapshot()).isEqualTo(before);

        db.exec("DROP VIEW reports.big_items; DROP FUNCTION reports.total()");
        assertThat(db.engine().complete(TransitionRequest.active()).phase()).isEqualTo(Phase.COMPLETE);
        assertThat(db.value("SELECT pg_typeof(qty)::text FROM items LIMIT 1")).isEqualTo("bigint");
    }
}
