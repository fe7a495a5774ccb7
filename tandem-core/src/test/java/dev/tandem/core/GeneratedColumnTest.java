package dev.tandem.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** pgroll's {@code generated} column field: identity and stored expressions, and its bad forms. */
class GeneratedColumnTest {
    private static ColumnSpec onlyColumn(String column) {
        Migration m = MigrationFiles.parse(
                "m.yaml",
                MigrationValidationTest.HEADER + "  - create_table: { name: t, columns: [" + column + "] }\n");
        return ((Operation.CreateTable) m.operations().getFirst()).columns().getFirst();
    }

    @Test
    void shouldReadIdentityColumnsAsNotNullWithTheirKindAndSequenceOptions() {
        ColumnSpec always =
                onlyColumn("{ name: id, type: bigint, generated: { identity: { user_specified_values: ALWAYS } } }");
        assertThat(always.generated()).isEqualTo(new Generated.Identity(true, null));
        assertThat(always.nullable()).isFalse();
        ColumnSpec byDefault = onlyColumn("{ name: id, type: bigint, generated: { identity:"
                + " { user_specified_values: 'by  default', sequence_options: 'START WITH 10' } } }");
        assertThat(byDefault.generated()).isEqualTo(new Generated.Identity(false, "START WITH 10"));
    }

    @Test
    void shouldReadAStoredExpression() {
        assertThat(onlyColumn("{ name: d, type: int, generated: { expression: q * 2 } }")
                        .generated())
                .isEqualTo(new Generated.Expression("q * 2"));
    }

    @Test
    void shouldRefuseEveryBadFormWithItsPlace() {
        List<String> problems = MigrationValidationTest.operationProblems("""
                  - create_table:
                      name: t
                      columns:
                        - { name: a, type: int, generated: { identity: {}, expression: x } }
                        - { name: b, type: int, generated: { identity: { user_specified_values: SOMETIMES } } }
                        - { name: c, type: int, default: "1", generated: { expression: x } }
                        - { name: d, type: int, nullable: true, generated: { identity: {} } }
                        - { name: e, type: int, generated: { sequence: x } }
                        - { name: f, type: int, generated: nope }
                """);
        assertThat(String.join("\n", problems))
                .contains("exactly one of 'identity' and 'expression'")
                .contains("ALWAYS or BY DEFAULT, not 'SOMETIMES'")
                .contains("a generated column has no default")
                .contains("an identity column cannot be nullable")
                .contains("sequence")
                .contains("'generated'");
        assertThat(problems).allMatch(p -> p.matches("m\\.yaml:\\d+:\\d+: .*"));
    }
}
