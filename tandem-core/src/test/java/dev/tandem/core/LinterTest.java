package dev.tandem.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class LinterTest {
    /** Lints a migration made of {@code deprecations} (YAML list items, may be empty) and operations. */
    static List<LintFinding> lint(String deprecations, String operations) {
        String text = "service: customers\nowner: team-crm\nrationale: a reason\n"
                + (deprecations.isEmpty() ? "" : "deprecations:\n" + deprecations)
                + "operations:\n" + operations;
        return Linter.lint(MigrationFiles.parse("m.yaml", text));
    }

    static List<LintFinding> lint(String operations) {
        return lint("", operations);
    }

    static List<String> rules(List<LintFinding> findings) {
        return findings.stream().map(LintFinding::rule).toList();
    }

    @Test
    void shouldFindNothingInTheDesignExample() {
        assertThat(Linter.lint(MigrationFiles.parse("m.yaml", MigrationFilesTest.DESIGN_EXAMPLE)))
                .isEmpty();
    }

    @Test
    void shouldSortFindingsByLocationAndNameTheirSeverity() {
        List<LintFinding> findings = lint("""
                  - add_column: { table: t, column: { name: c, type: integer } }
                  - sql: { up: "select 1" }
                """);

        assertThat(findings)
                .extracting(LintFinding::toString)
                .containsExactly(
                        "m.yaml:5:37: warning [prefer-bigint] t.c is integer, which can run out of values; prefer"
                                + " bigint, as widening it later means a full migration",
                        "m.yaml:6:5: error [sql-without-down] sql has no 'down', so the migration cannot be rolled"
                                + " back; write the reverse SQL, or mark the operation 'irreversible: true' to say so",
                        "m.yaml:6:5: warning [unchecked-sql] tandem cannot check raw SQL; review it by hand");
        assertThat(Linter.hasErrors(findings)).isTrue();
    }

    @Nested
    class DeprecationRequired {
        @Test
        void shouldRequireADeprecationForEachDropAndRename() {
            List<LintFinding> findings = lint("""
                      - drop_column: { table: customers, column: name, down: "''" }
                      - drop_table: { name: legacy }
                      - rename_column: { table: customers, from: email, to: mail }
                      - rename_table: { from: orders, to: purchases }
                      - alter_column: { table: customers, column: phone, name: telephone }
                    """);

            assertThat(findings).allMatch(f -> f.rule().equals("deprecation-required"));
            assertThat(findings)
                    .extracting(LintFinding::message)
                    .containsExactly(
                            "drop_column removes customers.name, which clients on the old shape may still use; add"
                                    + " '{ field: customers.name, sunset: YYYY-MM-DD }' to deprecations",
                            "drop_table removes legacy, which clients on the old shape may still use; add"
                                    + " '{ field: legacy, sunset: YYYY-MM-DD }' to deprecations",
                            "rename_column renames customers.email, which clients on the old shape may still use;"
                                    + " add '{ field: customers.email, sunset: YYYY-MM-DD }' to deprecations",
                            "rename_table renames orders, which clients on the old shape may still use; add"
                                    + " '{ field: orders, sunset: YYYY-MM-DD }' to deprecations",
                            "alter_column renames customers.phone, which clients on the old shape may still use;"
                                    + " add '{ field: customers.phone, sunset: YYYY-MM-DD }' to deprecations");
        }

        @Test
        void shouldAcceptMatchingDeprecations() {
            assertThat(lint("""
                              - { field: customers.name, sunset: 2027-03-01 }
                              - { field: legacy, sunset: 2027-03-01 }
                            """, """
                              - drop_column: { table: customers, column: name, down: "''" }
                              - drop_table: { name: legacy }
                            """)).isEmpty();
        }
    }

    @Nested
    class DeprecationUnused {
        @Test
        void shouldWarnAboutADeprecationThatMatchesNothing() {
            List<LintFinding> findings = lint(
                    "  - { field: customers.nmae, sunset: 2027-03-01 }\n",
                    "  - drop_column: { table: customers, column: name, down: \"''\" }\n");

            assertThat(rules(findings)).containsExactly("deprecation-unused", "deprecation-required");
            assertThat(findings.getFirst().location()).isEqualTo(new SourceLocation("m.yaml", 5, 5));
            assertThat(findings.getFirst().severity()).isEqualTo(Severity.WARNING);
        }

        @Test
        void shouldCountAColumnOfADroppedTableAsUsed() {
            assertThat(lint("""
                              - { field: legacy, sunset: 2027-03-01 }
                              - { field: legacy.id, sunset: 2027-03-01 }
                            """, "  - drop_table: { name: legacy }\n")).isEmpty();
        }
    }

    @Test
    void shouldFlagRawSqlAndRequireItsDown() {
        assertThat(rules(lint("  - sql: { up: \"create extension x\" }\n")))
                .containsExactly("sql-without-down", "unchecked-sql");
        assertThat(rules(lint("  - sql: { up: \"create extension x\", down: \"drop extension x\" }\n")))
                .containsExactly("unchecked-sql");
    }

    @Test
    void shouldRefuseANotNullColumnWithNeitherDefaultNorUp() {
        assertThat(rules(lint("  - add_column: { table: t, column: { name: c, type: text, nullable: false } }\n")))
                .containsExactly("not-null-without-default");
        assertThat(lint("  - add_column: { table: t, column: { name: c, type: text, nullable: false, default: x } }\n"))
                .isEmpty();
        assertThat(
                        lint(
                                "  - add_column: { table: t, column: { name: c, type: text, nullable: false }, up: \"'x'\" }\n"))
                .isEmpty();
    }

    @Test
    void shouldRefuseMakingAColumnNotNullWithoutUp() {
        assertThat(rules(lint("  - alter_column: { table: t, column: c, nullable: false }\n")))
                .containsExactly("alter-not-null-without-up");
        assertThat(
                        lint(
                                "  - alter_column: { table: t, column: c, nullable: false, up: \"coalesce(c, '')\", down: c }\n"))
                .isEmpty();
    }

    @Test
    void shouldRefuseATypeChangeWithoutUpAndDown() {
        assertThat(lint("  - alter_column: { table: t, column: c, type: bigint, up: c::bigint }\n"))
                .singleElement()
                .satisfies(f -> {
                    assertThat(f.rule()).isEqualTo("alter-without-up-down");
                    assertThat(f.message()).contains("without 'down'");
                });
        assertThat(lint("  - alter_column: { table: t, column: c, type: bigint, up: c::bigint, down: c::int }\n"))
                .isEmpty();
        assertThat(lint("  - alter_column: { table: t, column: c, default: \"'x'\" }\n"))
                .isEmpty();
    }

    @Test
    void shouldWarnAboutADroppedColumnWithoutDown() {
        String deprecation = "  - { field: t.c, sunset: 2027-03-01 }\n";
        assertThat(rules(lint(deprecation, "  - drop_column: { table: t, column: c }\n")))
                .containsExactly("drop-column-without-down");
        assertThat(lint(deprecation, "  - drop_column: { table: t, column: c, down: \"''\" }\n"))
                .isEmpty();
    }

    @Test
    void shouldWarnAboutVolatileDefaults() {
        for (String volatileDefault :
                List.of("now()", "gen_random_uuid()", "RANDOM()", "clock_timestamp ()", "current_timestamp")) {
            assertThat(rules(lint("  - add_column: { table: t, column: { name: c, type: timestamptz, default: \""
                            + volatileDefault + "\" } }\n")))
                    .as(volatileDefault)
                    .containsExactly("volatile-default");
        }
        assertThat(lint("  - add_column: { table: t, column: { name: c, type: text, default: \"'now()'x\" } }\n"))
                .extracting(LintFinding::rule)
                .containsExactly(
                        "volatile-default"); // a string that merely looks like a call is flagged too: review it
        assertThat(lint("  - add_column: { table: t, column: { name: c, type: text, default: \"'unknown'\" } }\n"))
                .isEmpty();
        assertThat(lint("  - add_column: { table: t, column: { name: snow, type: text, default: \"snowfall(1)\" } }\n"))
                .isEmpty();
    }

    @Test
    void shouldPreferBigintTextAndTimestamptz() {
        List<LintFinding> findings = lint("""
                  - create_table:
                      name: t
                      columns:
                        - { name: id, type: bigserial, primary_key: true }
                        - { name: a, type: serial }
                        - { name: b, type: INT4 }
                        - { name: c, type: varchar(20) }
                        - { name: d, type: char(2) }
                        - { name: e, type: "timestamp(3) without time zone" }
                        - { name: f, type: varchar }
                        - { name: g, type: timestamptz }
                        - { name: h, type: timestamp with time zone }
                        - { name: i, type: text }
                  - alter_column: { table: u, column: n, type: integer, up: n::int, down: n }
                """);

        assertThat(findings)
                .extracting(f -> f.location().line() + " " + f.rule())
                .containsExactly(
                        "9 prefer-bigint",
                        "10 prefer-bigint",
                        "11 prefer-text",
                        "12 prefer-text",
                        "13 prefer-timestamptz",
                        "18 prefer-bigint");
    }

    @Nested
    class RequireIndexForForeignKey {
        @Test
        void shouldWarnAboutAForeignKeyWithoutAnIndex() {
            List<LintFinding> findings = lint("""
                      - add_column:
                          table: orders
                          column: { name: customer_id, type: bigint, references: { table: customers, column: id } }
                      - create_constraint:
                          table: lines
                          name: lines_order_fk
                          type: foreign_key
                          columns: [order_id, region]
                          references: { table: orders, columns: [id, region] }
                      - alter_column: { table: notes, column: author, references: { table: users, column: id } }
                    """);

            assertThat(rules(findings)).containsOnly("require-index-for-fk").hasSize(3);
            assertThat(findings.getFirst().message())
                    .startsWith("the foreign key orders(customer_id) -> customers(id) has no index on"
                            + " orders(customer_id) in this migration");
        }

        @Test
        void shouldAcceptAnIndexWhoseLeadingColumnsAreTheKeys() {
            assertThat(lint("""
                      - add_column:
                          table: orders
                          column: { name: customer_id, type: bigint, references: { table: customers, column: id } }
                      - create_index: { table: orders, name: orders_customer_idx, columns: [customer_id, created_at] }
                      - create_constraint:
                          table: lines
                          name: lines_order_fk
                          type: foreign_key
                          columns: [order_id, region]
                          references: { table: orders, columns: [id, region] }
                      - create_constraint: { table: lines, name: lines_uq, type: unique, columns: [region, order_id] }
                      - create_table:
                          name: notes
                          columns:
                            - { name: order_id, type: bigint, primary_key: true, references: { table: orders, column: id } }
                            - { name: author, type: bigint, unique: true, references: { table: users, column: id } }
                    """)).isEmpty();
        }
    }
}
