package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.Problem;
import dev.tandem.core.TandemException;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The engine's part of move_table: the source table is not reshaped, so the move adds no step to the
 * recipe; the source must exist and {@code columns} must plan over it. The relay module checks the
 * target store and adds the move's own steps.
 */
@ExtendWith(PostgresExtension.class)
class MoveTablePlanIT {
    EmbeddedPostgres.Database database;
    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(database);
        db.exec("""
                CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total numeric(12, 2));
                CREATE TABLE customers (id bigint PRIMARY KEY, name text);
                INSERT INTO orders VALUES (1, 1, 9.99);
                """);
    }

    static Migration move(String columns) {
        return TestDb.migration("0001_move", """
                  - add_column: { table: customers, column: { name: tier, type: text } }
                  - move_table:
                      table: orders
                      key: [id]
                      to: { store: billing, table: invoices }
                      columns: %s
                      reverse: { total: "total_cents / 100.0" }
                """.formatted(columns), null);
    }

    @Test
    void shouldPlanNoStepForAMoveAndLeaveTheSourceTableAsItIs() {
        Plan plan =
                db.engine().plan(move("{ id: id, customer_id: customer_id, total_cents: \"(total * 100)::bigint\" }"));

        assertThat(plan.steps()).extracting(PlannedStep::sql).noneMatch(sql -> sql.contains("\"orders\""));
        assertThat(plan.steps()).extracting(PlannedStep::sql).anyMatch(sql -> sql.contains("\"customers\""));
    }

    @Test
    void shouldReportAMissingSourceTableAndAColumnsExpressionThatDoesNotPlanOverIt() {
        String before = db.everything() + db.rowChecksum("orders");

        assertThatThrownBy(() -> db.engine().plan(move("{ id: id, total_cents: (totl * 100)::bigint }")))
                .isInstanceOfSatisfying(TandemException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.SCHEMA_MISMATCH);
                    assertThat(e.problems())
                            .extracting(Problem::toString)
                            .singleElement()
                            .asString()
                            .startsWith("0001_move.yaml:7:5: 'columns.total_cents' is not valid here: column \"totl\""
                                    + " does not exist");
                });
        assertThat(db.everything() + db.rowChecksum("orders")).isEqualTo(before);

        db.exec("DROP TABLE orders");
        assertThatThrownBy(() -> db.engine().plan(move("{ id: id }")))
                .isInstanceOfSatisfying(TandemException.class, e -> assertThat(e.problems())
                        .extracting(Problem::toString)
                        .containsExactly("0001_move.yaml:7:5: table public.orders does not exist"));
    }
}
