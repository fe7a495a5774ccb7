package dev.tandem.core;

import static dev.tandem.core.MigrationValidationTest.operationProblems;
import static dev.tandem.core.MigrationValidationTest.problems;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Operation.AlterColumn;
import org.junit.jupiter.api.Test;

/**
 * Nulls, empty and odd values where the reader once let them through to the engine (found by the
 * fuzz test in tandem-testkit). The file header takes lines 1 to 4; operations start on line 5.
 */
class NullAndOddValuesTest {
    private static final String HEADER = """
            service: customers
            owner: team-crm
            rationale: a reason
            operations:
            """;

    private static AlterColumn alter(String fields) {
        Migration m = MigrationFiles.parse(
                "m.yaml", HEADER + "  - alter_column: { table: items, column: qty, " + fields + " }\n");
        return (AlterColumn) m.operations().getFirst();
    }

    @Test
    void shouldReadADefaultOfNullAsDroppingTheDefaultNotAsNoChange() {
        for (String written : new String[] {"default: null", "default: ~", "default: Null"}) {
            AlterColumn op = alter(written);
            assertThat(op.dropDefault()).as(written).isTrue();
            assertThat(op.defaultValue()).as(written).isNull();
            assertThat(op.needsCopy()).as(written).isTrue();
        }
        AlterColumn kept = alter("type: bigint");
        assertThat(kept.dropDefault()).isFalse();
        assertThat(kept.defaultValue()).isNull();
        assertThat(alter("default: \"0\"").defaultValue()).isEqualTo("0");
    }

    @Test
    void shouldRefuseAnEmptyDefaultAndSayHowToDropIt() {
        assertThat(operationProblems("  - alter_column: { table: items, column: qty, default: \"\" }\n"))
                .containsExactly("m.yaml:5:57: 'default' in alter_column is empty; give an expression, or write"
                        + " 'default: null' to drop the default");
    }

    @Test
    void shouldRefuseEveryOtherChangeOfAlterColumnWrittenAsNull() {
        assertThat(operationProblems("""
                  - alter_column: { table: items, column: qty, type: ~, nullable: null }
                  - alter_column:
                      table: items
                      column: note
                      check: null
                      references: ~
                      name: ~
                """))
                .containsExactly(
                        "m.yaml:5:54: 'type' in alter_column is null; give a value, or remove 'type' to leave it as"
                                + " it is",
                        "m.yaml:5:67: 'nullable' in alter_column is null; give a value, or remove 'nullable' to leave"
                                + " it as it is",
                        "m.yaml:9:14: 'check' in alter_column is null; give a value, or remove 'check' to leave it as"
                                + " it is",
                        "m.yaml:10:19: 'references' in alter_column is null; give a value, or remove 'references' to"
                                + " leave it as it is",
                        "m.yaml:11:13: 'name' in alter_column is null; give a value, or remove 'name' to leave it as it"
                                + " is");
    }

    @Test
    void shouldRefuseAConstraintWhoseRequiredPartIsNull() {
        assertThat(operationProblems("""
                  - create_constraint: { table: t, name: c1, type: check, columns: [a], check: ~ }
                  - create_constraint: { table: t, name: c2, type: foreign_key, columns: [a], references: ~ }
                  - create_constraint: { table: t, name: c3, type: unique, columns: ~ }
                """))
                .containsExactly(
                        "m.yaml:5:24: a check constraint needs 'check' (an SQL expression)",
                        "m.yaml:6:24: a foreign_key constraint needs 'references' ({table, columns})",
                        "m.yaml:7:69: a unique constraint needs a non-empty 'columns' list");
    }

    @Test
    void shouldRefuseANulCharacterWherePostgresCouldNotStoreIt() {
        assertThat(operationProblems("  - drop_index: { name: \"a\\0b\" }\n"))
                .containsExactly("m.yaml:5:25: the text holds the character NUL (\\u0000), which PostgreSQL cannot"
                        + " store; remove it");
    }

    @Test
    void shouldRefuseAColumnNamedTwiceInAList() {
        assertThat(operationProblems("  - create_index: { table: t, name: i, columns: [a, b, a, a] }\n"))
                .containsExactly("m.yaml:5:56: 'a' is named twice in 'columns' of create_index");
    }

    @Test
    void shouldQuoteAHugeValueCutToItsStartAndLength() {
        String huge = "x".repeat(10_000);
        assertThat(operationProblems("  - create_index: { table: t, name: i, columns: [a], method: " + huge + " }\n"))
                .singleElement()
                .asString()
                .startsWith("m.yaml:5:62: unknown index method '" + "x".repeat(64) + "...' (10000 characters); use")
                .hasSizeLessThan(300);
    }

    @Test
    void shouldPlaceAFileNestedTooDeepAndNotNameJacksonSettings() {
        assertThat(problems("deep.json", "[".repeat(2000) + "]".repeat(2000)))
                .singleElement()
                .asString()
                .matches("deep\\.json:1:\\d+: JSON syntax error: Document nesting depth \\(1001\\) exceeds the maximum"
                        + " allowed \\(1000\\)");
    }
}
