package dev.tandem.core;

import static dev.tandem.core.MigrationValidationTest.operationProblems;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** move_table as a file states it: what is read, and what the file alone shows to be wrong. */
class MoveTableTest {
    /** DESIGN.md's example, written out. */
    static final String DESIGN_MOVE = """
              - move_table:
                  table: orders
                  key: [id]
                  to: { store: billing, table: invoices }
                  columns: { id: id, customer_id: customer_id, total_cents: "(total * 100)::bigint" }
                  reverse: { total: "total_cents / 100.0" }
            """;

    static Migration parse(String operations) {
        return MigrationFiles.parse("m.yaml", MigrationValidationTest.HEADER + operations);
    }

    static Operation.MoveTable move(String operations) {
        return (Operation.MoveTable) parse(operations).operations().getFirst();
    }

    @Test
    void shouldReadTheDesignExampleInTheFilesOrder() {
        Operation.MoveTable move = move(DESIGN_MOVE);

        assertThat(move.kind()).isEqualTo("move_table");
        assertThat(move.table()).isEqualTo("orders");
        assertThat(move.key()).containsExactly("id");
        assertThat(move.toStore()).isEqualTo("billing");
        assertThat(move.toTable()).isEqualTo("invoices");
        assertThat(move.columns())
                .containsExactly(
                        Map.entry("id", "id"),
                        Map.entry("customer_id", "customer_id"),
                        Map.entry("total_cents", "(total * 100)::bigint"));
        assertThat(move.reverse()).containsExactly(Map.entry("total", "total_cents / 100.0"));
        assertThat(move.location()).isEqualTo(new SourceLocation("m.yaml", 5, 5));
    }

    @Test
    void shouldKnowTheTargetsKeyAndWhichColumnsAreCopiedByName() {
        Operation.MoveTable move = move("""
                  - move_table:
                      table: order_lines
                      key: [order_id, "line"]
                      to: { store: billing, table: invoice_lines }
                      columns: { invoice_id: order_id, line: '"Line"', n: LINE, amount: price * qty }
                """);

        assertThat(move.sourceOf("invoice_id")).contains("order_id");
        assertThat(move.sourceOf("line")).contains("Line");
        assertThat(move.sourceOf("n")).contains("line");
        assertThat(move.sourceOf("amount")).isEmpty();
        assertThat(move.sourceOf("missing")).isEmpty();
        assertThat(move.copiedColumns())
                .containsExactly(
                        Map.entry("order_id", "invoice_id"), Map.entry("Line", "line"), Map.entry("line", "n"));
        assertThat(move.targetKey()).containsExactly("invoice_id", "n");
    }

    @Test
    void shouldReadAMoveWithoutReverseAsAnEmptyReverse() {
        Operation.MoveTable move = move("""
                  - move_table: { table: t, key: [id], to: { store: s2, table: t }, columns: { id: id } }
                """);

        assertThat(move.reverse()).isEmpty();
    }

    @Test
    void shouldTreatValuesAndKeywordsAsComputedNotAsColumns() {
        for (String value : List.of("true", "NULL", "current_date", "now()", "id + 1", "'id'", "t.id", "\"a\" || b")) {
            assertThat(SqlExpressions.columnName(value)).as(value).isEmpty();
        }
        assertThat(SqlExpressions.columnName(" Id ")).contains("id");
        assertThat(SqlExpressions.columnName("\"Say \"\"hi\"\"\"")).contains("Say \"hi\"");
    }

    @Nested
    class Refused {
        @Test
        void shouldReportEveryMissingField() {
            assertThat(operationProblems("  - move_table: { table: orders }\n"))
                    .containsExactly(
                            "m.yaml:5:17: missing required field 'key' in move_table",
                            "m.yaml:5:17: missing required field 'to' in move_table",
                            "m.yaml:5:17: missing required field 'columns' in move_table");
            assertThat(operationProblems("  - move_table:\n"))
                    .containsExactly("m.yaml:5:5: move_table needs its fields: table, key, to, columns, reverse");
        }

        @Test
        void shouldRefuseMalformedFieldsWhereTheyStand() {
            assertThat(operationProblems("""
                      - move_table:
                          table: ""
                          key: []
                          to: { store: Billing-2, tabel: invoices }
                          columns: {}
                          reverse: [total]
                    """))
                    .containsExactly(
                            "m.yaml:6:14: 'table' in move_table must not be empty",
                            "m.yaml:7:12: 'key' in move_table must not be empty",
                            "m.yaml:8:11: missing required field 'table' in 'to' of move_table",
                            "m.yaml:8:20: store 'Billing-2' must match [a-z][a-z0-9_]* (it names --store NAME=URL"
                                    + " and TANDEM_STORE_<NAME>_URL)",
                            "m.yaml:8:31: unknown key 'tabel' in 'to' of move_table; did you mean 'table'?",
                            "m.yaml:9:16: 'columns' in move_table must not be empty: map each target column to an"
                                    + " expression",
                            "m.yaml:10:16: 'reverse' in move_table must be a map, not a list");
        }

        @Test
        void shouldRefuseBadIdentifiersAndEmptyExpressions() {
            String longName = "c".repeat(64);
            assertThat(operationProblems("""
                      - move_table:
                          table: orders
                          key: [id, id]
                          to: { store: billing, table: invoices }
                          columns: { id: id, %s: total, note: "" }
                    """.formatted(longName)))
                    .containsExactly(
                            "m.yaml:7:17: 'id' is named twice in 'key' of move_table",
                            "m.yaml:9:26: identifier '" + longName + "' is 64 bytes long; PostgreSQL allows at most 63",
                            "m.yaml:9:105: 'columns.note' in move_table must be an SQL expression, not empty");
        }

        @Test
        void shouldRequireEachKeyColumnToBeMappedByNameExactlyOnce() {
            assertThat(operationProblems("""
                      - move_table:
                          table: orders
                          key: [id, region]
                          to: { store: billing, table: invoices }
                          columns: { id: id + 0, region: upper(region), order_id: id, legacy_id: id }
                    """))
                    .containsExactly(
                            "m.yaml:7:13: key column 'id' of orders is mapped to 2 target columns (order_id,"
                                    + " legacy_id) in 'columns'; map it to one, so the target's key is known",
                            "m.yaml:7:17: key column 'region' of orders is not mapped by name in 'columns'; map it"
                                    + " as it is ('region: region') or renamed ('new_region: region'), so the"
                                    + " target's key is known");
        }

        @Test
        void shouldRefuseAReverseOfAKeyColumn() {
            assertThat(operationProblems("""
                      - move_table:
                          table: orders
                          key: [id]
                          to: { store: billing, table: invoices }
                          columns: { invoice_id: id }
                          reverse: { id: invoice_id + 0 }
                    """))
                    .containsExactly("m.yaml:10:22: 'reverse' computes key column 'id'; a key column travels back"
                            + " by name from the target column that holds it. Remove it from 'reverse'");
        }

        @Test
        void shouldRefuseExpressionsThatCouldEndTheStatementTheyAreEmbeddedIn() {
            assertThat(operationProblems("""
                      - move_table:
                          table: orders
                          key: [id]
                          to: { store: billing, table: invoices }
                          columns:
                            id: id
                            total_cents: "(total * 100)::bigint; DROP TABLE orders"
                            note: "note -- the note"
                            label: "'it''s; fine' || $$--also fine;$$ || E'\\\\'; still' || \\"a;b\\" /* ; -- */"
                            open: "'unclosed || note"
                          reverse:
                            total: "total_cents / 100.0;"
                    """))
                    .containsExactly(
                            "m.yaml:11:22: 'columns.total_cents' holds a ';': it must be a single SQL expression"
                                    + " over one row",
                            "m.yaml:12:15: 'columns.note' holds a -- comment: write /* ... */ instead, as tandem"
                                    + " embeds the expression in larger statements",
                            "m.yaml:14:15: 'columns.open' opens a quote or comment it never closes; close it, as"
                                    + " tandem embeds the expression in larger statements",
                            "m.yaml:16:16: 'reverse.total' holds a ';': it must be a single SQL expression over one"
                                    + " row");
        }

        @Test
        void shouldRefuseAnyOtherOperationOnTheMovedTable() {
            assertThat(operationProblems("""
                      - add_column: { table: orders, column: { name: note, type: text } }
                      - move_table:
                          table: orders
                          key: [id]
                          to: { store: billing, table: invoices }
                          columns: { id: id }
                      - create_index: { table: orders, name: orders_note_idx, columns: [note] }
                      - create_index: { table: customers, name: customers_email_idx, columns: [email] }
                      - drop_constraint: { table: orders, name: orders_total_check }
                    """))
                    .containsExactly(
                            "m.yaml:6:5: table orders is moved to another store by move_table at m.yaml:6:5, so"
                                    + " add_column at m.yaml:5:5 cannot change it in the same migration; put one of"
                                    + " them in a later migration",
                            "m.yaml:11:5: table orders is moved to another store by move_table at m.yaml:6:5, so"
                                    + " create_index at m.yaml:11:5 cannot change it in the same migration; put one"
                                    + " of them in a later migration",
                            "m.yaml:13:5: table orders is moved to another store by move_table at m.yaml:6:5, so"
                                    + " drop_constraint at m.yaml:13:5 cannot change it in the same migration; put"
                                    + " one of them in a later migration");
        }

        @Test
        void shouldAllowMovingOneTableBesideChangesToAnother() {
            Migration m = parse("""
                      - create_index: { table: customers, name: customers_email_idx, columns: [email] }
                      - move_table:
                          table: orders
                          key: [id]
                          to: { store: billing, table: orders }
                          columns: { id: id }
                    """);

            assertThat(m.operations()).hasSize(2);
        }
    }

    @Nested
    class Lint {
        @Test
        void shouldFindNothingInTheDesignExample() {
            assertThat(Linter.lint(parse(DESIGN_MOVE))).isEmpty();
        }

        @Test
        void shouldWarnThatAComputedMoveWithoutReverseCannotBeCutOverBack() {
            List<LintFinding> findings = Linter.lint(parse("""
                      - move_table:
                          table: orders
                          key: [id]
                          to: { store: billing, table: invoices }
                          columns: { id: id, total_cents: "(total * 100)::bigint" }
                    """));

            assertThat(findings)
                    .extracting(LintFinding::toString)
                    .containsExactly("m.yaml:5:5: warning [move-without-reverse] move_table of orders has no"
                            + " 'reverse', but 'columns' computes total_cents: after cutover the source is fed back"
                            + " only through the columns mapped by name, so a source column that is not could not be"
                            + " fed and cutover back (revert) would not be possible; give 'reverse', an expression"
                            + " over invoices for each such column");
            assertThat(Linter.hasErrors(findings)).isFalse();
        }

        @Test
        void shouldNotAskForReverseWhenEveryColumnIsMappedByName() {
            assertThat(Linter.lint(parse("""
                      - move_table:
                          table: orders
                          key: [id]
                          to: { store: billing, table: invoices }
                          columns: { invoice_id: id, customer: customer_id }
                    """))).isEmpty();
        }

        @Test
        void shouldWarnAboutVolatileAndCrossTableExpressions() {
            List<LintFinding> findings = Linter.lint(parse("""
                      - move_table:
                          table: orders
                          key: [id]
                          to: { store: billing, table: invoices }
                          columns: { id: id, copied_at: now(), region: (select r.name from regions r) }
                          reverse: { region_id: (select id from regions where name = region) }
                    """));

            assertThat(findings)
                    .extracting(LintFinding::rule)
                    .containsExactly("cross-table-expression", "cross-table-expression", "move-volatile-expression");
            assertThat(findings.get(2).message())
                    .isEqualTo("'columns.copied_at' of move_table orders calls now(), so a row copied twice gets"
                            + " two values and verification reports drift; compute it from the row's columns only");
        }
    }
}
