package dev.tandem.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Foreign-key actions and deferrability are read in every spelling PostgreSQL and pgroll use, and checked. */
class ForeignKeyActionsTest {
    @Test
    void shouldReadActionsInAnyCaseWithSpacesOrUnderscores() {
        Migration m = MigrationFiles.parse("m.yaml", MigrationValidationTest.HEADER + """
                  - add_column:
                      table: items
                      column: { name: u, type: int, references: { table: users, column: id, on_delete: set_null, on_update: "No  Action" } }
                """);
        ForeignKeyRef k =
                ((Operation.AddColumn) m.operations().getFirst()).column().references();
        assertThat(k).isEqualTo(new ForeignKeyRef("users", List.of("id"), "SET NULL", "NO ACTION", false, false));
    }

    @Test
    void shouldTakeDeferrabilityOnTheConstraintAsPgrollWritesIt() {
        Migration m = MigrationFiles.parse("m.yaml", MigrationValidationTest.HEADER + """
                  - create_constraint:
                      table: items
                      name: k
                      type: foreign_key
                      columns: [u]
                      references: { table: users, columns: [id], on_delete: CASCADE }
                      deferrable: true
                      initially_deferred: true
                """);
        assertThat(((Operation.CreateConstraint) m.operations().getFirst()).references())
                .isEqualTo(new ForeignKeyRef("users", List.of("id"), "CASCADE", null, true, true));
        assertThat(String.join("\n", MigrationValidationTest.operationProblems("""
                  - create_constraint: { table: items, name: c, type: check, check: "u > 0", deferrable: true }
                """)))
                .contains("'deferrable' applies only to unique, primary_key, foreign_key and exclude constraints");
    }

    @Test
    void shouldRefuseAnUnknownActionAndAnInitiallyDeferredKeyThatIsNotDeferrable() {
        List<String> problems = MigrationValidationTest.operationProblems("""
                  - create_constraint:
                      table: items
                      name: k
                      type: foreign_key
                      columns: [u]
                      references: { table: users, columns: [id], on_delete: explode, initially_deferred: true }
                """);
        assertThat(String.join("\n", problems))
                .contains("'on_delete' is one of CASCADE, SET NULL, SET DEFAULT, RESTRICT, NO ACTION, not 'explode'")
                .contains("'initially_deferred: true' needs 'deferrable: true'");
    }
}
