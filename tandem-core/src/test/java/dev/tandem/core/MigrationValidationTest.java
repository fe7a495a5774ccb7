package dev.tandem.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationValidationTest {
    static final String HEADER = """
            service: customers
            owner: team-crm
            rationale: a reason
            operations:
            """;

    /** The problems of {@code text} as "file:line:col: message", in file order. */
    static List<String> problems(String file, String text) {
        TandemException e = catchThrowableOfType(TandemException.class, () -> MigrationFiles.parse(file, text));
        assertThat(e).as("a problem in %s", file).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.SPEC_INVALID);
        return e.problems().stream().map(Problem::toString).toList();
    }

    /** The problems of a file made of a valid header (4 lines) and {@code operations}. */
    static List<String> operationProblems(String operations) {
        return problems("m.yaml", HEADER + operations);
    }

    @Test
    void shouldReportEveryProblemWithItsLineAndColumn() {
        String text = """
                id: 0001_bad
                service: customers
                ownr: team-crm
                rationale: ""
                affects: billing
                deprecations:
                  - { field: customers.name, sunset: 2027-02-30 }
                operations:
                  - add_colum:
                      table: customers
                  - drop_column: { table: customers, column: name, dwon: x }
                  - rename_column: { table: customers, from: name, to: full_name }
                  - alter_column: { table: customers, column: id, nullable: yes }
                """;

        TandemException e = catchThrowableOfType(TandemException.class, () -> MigrationFiles.parse("bad.yaml", text));

        assertThat(e.problems())
                .extracting(Problem::toString)
                .containsExactly(
                        "bad.yaml:1:1: missing required field 'owner' in migration",
                        "bad.yaml:3:1: unknown key 'ownr' in migration; did you mean 'owner'?",
                        "bad.yaml:4:12: 'rationale' in migration must not be empty",
                        "bad.yaml:5:10: 'affects' in migration must be a list, not a string (write [billing])",
                        "bad.yaml:7:38: sunset '2027-02-30' must be a date written YYYY-MM-DD, such as 2027-03-01",
                        "bad.yaml:9:5: unknown operation 'add_colum'; did you mean 'add_column'?",
                        "bad.yaml:11:52: unknown key 'dwon' in drop_column; did you mean 'down'?",
                        "bad.yaml:12:5: customers.name is changed by two operations: drop_column at bad.yaml:11:5"
                                + " and rename_column at bad.yaml:12:5; put one of them in a later migration",
                        "bad.yaml:13:61: 'nullable' in alter_column must be true or false, not 'yes'");
        assertThat(e.getMessage())
                .startsWith("bad.yaml: 9 problems:\n  bad.yaml:1:1: missing required field 'owner' in migration\n  ");
    }

    @Test
    void shouldReportTheSameProblemsAtJsonPositions() {
        String text = """
                {
                  "service": "customers",
                  "owner": "team-crm",
                  "rationale": "a reason",
                  "operations": [
                    {"drop_column": {"table": "customers", "colum": "name"}}
                  ]
                }
                """;

        assertThat(problems("m.json", text))
                .containsExactly(
                        "m.json:6:21: missing required field 'column' in drop_column",
                        "m.json:6:44: unknown key 'colum' in drop_column; did you mean 'column'?");
    }

    @Test
    void shouldRefuseAnInvalidId() {
        assertThat(problems("m.yaml", "id: Split-Name\n" + HEADER + "  - drop_index: { name: i }\n"))
                .containsExactly("m.yaml:1:5: id 'Split-Name' must match [a-z0-9_]+ (lowercase letters, digits,"
                        + " underscores)");
        assertThat(problems("m.yaml", "id: " + "a".repeat(41) + "\n" + HEADER + "  - drop_index: { name: i }\n"))
                .containsExactly(
                        "m.yaml:1:5: id '" + "a".repeat(41) + "' is 41 characters long; at most 40 are allowed");
    }

    @Test
    void shouldSayWhenAnInvalidIdComesFromTheFileName() {
        assertThat(problems("dir/0001-Split.yaml", HEADER + "  - drop_index: { name: i }\n"))
                .containsExactly("dir/0001-Split.yaml:1:1: id '0001-Split' (taken from the file name, as the file has"
                        + " no 'id') must match [a-z0-9_]+ (lowercase letters, digits, underscores); add an 'id'"
                        + " field or rename the file");
    }

    @Test
    void shouldRefuseAnInvalidSchemaAndDeprecation() {
        String text = """
                schema: Public
                deprecations:
                  - { field: customers., sunset: 1 March 2027 }
                  - customers.email
                """ + HEADER + "  - drop_index: { name: i }\n";

        assertThat(problems("m.yaml", text))
                .containsExactly(
                        "m.yaml:1:9: schema 'Public' must match [a-z_][a-z0-9_]*",
                        "m.yaml:3:14: field 'customers.' must be 'table.column' or 'table'",
                        "m.yaml:3:34: sunset '1 March 2027' must be a date written YYYY-MM-DD, such as 2027-03-01",
                        "m.yaml:4:5: a deprecation must be a map, not a string");
    }

    @Test
    void shouldReportASyntaxErrorAtTheParsersPosition() {
        assertThat(problems("m.yaml", "service: customers\nowner: team-crm\n  rationale: x: y\n"))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .startsWith("m.yaml:3:12: YAML syntax error: mapping values are not allowed here");
        assertThat(problems("m.json", "{\n  \"service\": \"customers\",\n  \"owner\": }\n"))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .startsWith("m.json:3:12: JSON syntax error: Unexpected character ('}'");
    }

    @Test
    void shouldRefuseAnEmptyFileAndAFileThatIsNotAMap() {
        assertThat(problems("m.yaml", ""))
                .containsExactly("m.yaml:1:1: the file is empty; a migration needs at least"
                        + " service, owner, rationale and operations");
        assertThat(problems("m.yaml", "- service: x\n"))
                .containsExactly("m.yaml:1:1: a migration must be a map, not a list");
    }

    @Test
    void shouldRefuseDuplicateKeys() {
        assertThat(problems(
                        "m.yaml",
                        HEADER.replace("owner: team-crm\n", "owner: a\nowner: b\n") + "  - drop_index: { name: i }\n"))
                .containsExactly("m.yaml:3:1: duplicate key 'owner' (first at m.yaml:2:1)");
    }

    @Test
    void shouldRefuseMissingAndEmptyOperations() {
        assertThat(problems("m.yaml", HEADER.replace("operations:\n", "")))
                .containsExactly("m.yaml:1:1: missing required field 'operations' in migration");
        assertThat(problems("m.yaml", HEADER.replace("operations:\n", "operations: []\n")))
                .containsExactly("m.yaml:4:13: 'operations' in migration must not be empty");
    }

    @Test
    void shouldRefuseMalformedOperationItems() {
        assertThat(operationProblems("""
                  - add_column:
                    table: customers
                  - drop_table
                  - drop_table: customers
                  - move_table: { table: orders }
                """))
                .containsExactly(
                        "m.yaml:5:5: an operation has exactly one key naming it, found [add_column, table]; indent"
                                + " the fields under the operation's name",
                        "m.yaml:7:5: operation 'drop_table' needs its fields: write 'drop_table: { ... }'",
                        "m.yaml:8:17: the fields of drop_table must be a map, not a string",
                        "m.yaml:9:17: missing required field 'key' in move_table",
                        "m.yaml:9:17: missing required field 'to' in move_table",
                        "m.yaml:9:17: missing required field 'columns' in move_table");
    }

    @Test
    void shouldRefuseUnknownKeysInColumnsAndReferences() {
        assertThat(operationProblems("""
                  - add_column:
                      table: orders
                      column: { name: customer_id, typ: bigint, references: { table: customers, colum: id } }
                """))
                .containsExactly(
                        "m.yaml:7:15: missing required field 'type' in column",
                        "m.yaml:7:36: unknown key 'typ' in column; did you mean 'type'?",
                        "m.yaml:7:61: missing required field 'column' in references",
                        "m.yaml:7:81: unknown key 'colum' in references; did you mean 'column'?");
    }

    @Test
    void shouldRefuseWrongTypesAndBadIdentifiers() {
        String longName = "x".repeat(64);
        assertThat(operationProblems("""
                  - create_index: { table: customers, name: %s, columns: email, unique: "true" }
                  - create_table: { name: t, columns: [ { name: a, type: text }, { name: a, type: int } ] }
                  - add_column: { table: t, column: [name, text] }
                """.formatted(longName)))
                .containsExactly(
                        "m.yaml:5:45: identifier '" + longName + "' is 64 bytes long; PostgreSQL allows at most 63",
                        "m.yaml:5:120: 'columns' in create_index must be a list, not a string (write [email])",
                        "m.yaml:5:135: 'unique' in create_index must be true or false, not 'true'",
                        "m.yaml:6:74: column 'a' appears twice in create_table (first at m.yaml:6:49)",
                        "m.yaml:7:37: 'column' in add_column must be a map, not a list");
    }

    @Test
    void shouldCheckEachOperationsOwnRules() {
        assertThat(operationProblems("""
                  - alter_column: { table: customers, column: id, up: id }
                  - rename_column: { table: customers, from: email, to: email }
                  - create_index: { table: customers, name: i, columns: [], method: btre }
                  - create_constraint: { table: orders, name: c1, type: check }
                  - create_constraint: { table: orders, name: c2, type: unique }
                  - create_constraint:
                      table: orders
                      name: c3
                      type: foreign_key
                      columns: [customer_id]
                      references: { table: customers, columns: [id, region] }
                  - create_constraint: { table: orders, name: c4, type: foreign, columns: [a] }
                """))
                .containsExactly(
                        "m.yaml:5:5: alter_column changes nothing in customers.id; give at least one of type,"
                                + " nullable, default, unique, check, references, comment, name",
                        "m.yaml:6:57: renames column customers.email to the same name",
                        "m.yaml:7:57: 'columns' in create_index must not be empty",
                        "m.yaml:7:69: unknown index method 'btre'; use one of btree, hash, gist, spgist, gin, brin;"
                                + " did you mean 'btree'?",
                        "m.yaml:8:24: a check constraint needs 'check' (an SQL expression)",
                        "m.yaml:9:24: a unique constraint needs a non-empty 'columns' list",
                        "m.yaml:15:19: references names 2 column(s) but 'columns' names 1; they must pair up one to"
                                + " one",
                        "m.yaml:16:57: constraint type 'foreign' must be one of check, unique, foreign_key,"
                                + " primary_key, exclude; did you mean 'foreign_key'?");
    }

    @Test
    void shouldRefuseTwoOperationsOnOneTable() {
        assertThat(operationProblems("""
                  - rename_table: { from: customers, to: clients }
                  - add_column: { table: clients, column: { name: tier, type: text } }
                """))
                .containsExactly("m.yaml:6:5: table clients is changed by two operations: rename_table at m.yaml:5:5"
                        + " and add_column at m.yaml:6:5; put one of them in a later migration");
    }

    @Test
    void shouldRefuseYamlAliasesAndSecondDocuments() {
        assertThat(problems(
                        "m.yaml",
                        "owner: &o team-crm\nservice: *o\nrationale: r\noperations:\n"
                                + "  - drop_index: { name: i }\n---\nid: x\n"))
                .containsExactly(
                        "m.yaml:2:10: YAML aliases (*o) are not supported; write the value out",
                        "m.yaml:7:1: a file holds one migration; remove the second YAML document (after '---')");
    }
}
