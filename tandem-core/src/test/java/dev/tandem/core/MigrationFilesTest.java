package dev.tandem.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.Operation.AddColumn;
import dev.tandem.core.Operation.AlterColumn;
import dev.tandem.core.Operation.DropColumn;
import dev.tandem.core.Operation.RenameColumn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationFilesTest {
    /** The example of DESIGN.md, "Migration files", as written there. */
    static final String DESIGN_EXAMPLE = """
            id: 0003_split_customer_name      # optional; defaults to the file name; [a-z0-9_]+, at most 40 chars
            service: customers                # required
            owner: team-crm                   # required
            rationale: Names are split for localised greetings      # required
            affects: [billing, notifications] # services that read this data
            performance: about 2M rows backfilled; no table rewrite # the author's expectation; `plan` adds estimates
            schema: public                    # default public
            deprecations:                     # every drop or rename needs one; its sunset gates `complete`
              - { field: customers.name, sunset: 2027-03-01 }
              - { field: customers.email, sunset: 2027-03-01 }
            operations:
              - add_column:
                  table: customers
                  column: { name: first_name, type: text, nullable: true }
                  up: split_part(name, ' ', 1)
              - add_column:
                  table: customers
                  column: { name: last_name, type: text, nullable: true }
                  up: substr(name, length(split_part(name, ' ', 1)) + 2)
              - drop_column: { table: customers, column: name, down: "first_name || ' ' || last_name" }
              - alter_column: { table: customers, column: id, type: bigint, up: id::bigint, down: id::int }
              - rename_column: { table: customers, from: email, to: email_address }
            """;

    static final String DESIGN_EXAMPLE_JSON = """
            {
              "id": "0003_split_customer_name",
              "service": "customers",
              "owner": "team-crm",
              "rationale": "Names are split for localised greetings",
              "affects": ["billing", "notifications"],
              "performance": "about 2M rows backfilled; no table rewrite",
              "schema": "public",
              "deprecations": [
                {"field": "customers.name", "sunset": "2027-03-01"},
                {"field": "customers.email", "sunset": "2027-03-01"}
              ],
              "operations": [
                {"add_column": {"table": "customers",
                  "column": {"name": "first_name", "type": "text", "nullable": true},
                  "up": "split_part(name, ' ', 1)"}},
                {"add_column": {"table": "customers",
                  "column": {"name": "last_name", "type": "text", "nullable": true},
                  "up": "substr(name, length(split_part(name, ' ', 1)) + 2)"}},
                {"drop_column": {"table": "customers", "column": "name", "down": "first_name || ' ' || last_name"}},
                {"alter_column": {"table": "customers", "column": "id", "type": "bigint",
                  "up": "id::bigint", "down": "id::int"}},
                {"rename_column": {"table": "customers", "from": "email", "to": "email_address"}}
              ]
            }
            """;

    static final String MINIMAL = """
            service: customers
            owner: team-crm
            rationale: a reason
            operations:
              - drop_index: { name: customers_name_idx }
            """;

    static SourceLocation at(String file, int line, int column) {
        return new SourceLocation(file, line, column);
    }

    @Test
    void shouldReadTheDesignExampleIntoRecords() {
        Migration m = MigrationFiles.parse("0003_split_customer_name.yaml", DESIGN_EXAMPLE);
        String f = "0003_split_customer_name.yaml";

        assertThat(m.id()).isEqualTo("0003_split_customer_name");
        assertThat(m.service()).isEqualTo("customers");
        assertThat(m.owner()).isEqualTo("team-crm");
        assertThat(m.rationale()).isEqualTo("Names are split for localised greetings");
        assertThat(m.affects()).containsExactly("billing", "notifications");
        assertThat(m.performance()).isEqualTo("about 2M rows backfilled; no table rewrite");
        assertThat(m.schema()).isEqualTo("public");
        assertThat(m.versionSchema()).isEqualTo("public_0003_split_customer_name");
        assertThat(m.deprecations())
                .containsExactly(
                        new Deprecation("customers.name", LocalDate.of(2027, 3, 1), at(f, 9, 5)),
                        new Deprecation("customers.email", LocalDate.of(2027, 3, 1), at(f, 10, 5)));
        assertThat(m.operations())
                .containsExactly(
                        new AddColumn(
                                "customers",
                                new ColumnSpec(
                                        "first_name", "text", true, null, false, null, null, false, at(f, 14, 15)),
                                "split_part(name, ' ', 1)",
                                at(f, 12, 5)),
                        new AddColumn(
                                "customers",
                                new ColumnSpec(
                                        "last_name", "text", true, null, false, null, null, false, at(f, 18, 15)),
                                "substr(name, length(split_part(name, ' ', 1)) + 2)",
                                at(f, 16, 5)),
                        new DropColumn("customers", "name", "first_name || ' ' || last_name", at(f, 20, 5)),
                        new AlterColumn(
                                "customers",
                                "id",
                                "bigint",
                                null,
                                null,
                                false,
                                null,
                                null,
                                null,
                                null,
                                null,
                                null,
                                false,
                                null,
                                "id::bigint",
                                "id::int",
                                at(f, 21, 5)),
                        new RenameColumn("customers", "email", "email_address", at(f, 22, 5)));
        assertThat(m.source()).isEqualTo(f);
        assertThat(m.text()).isEqualTo(DESIGN_EXAMPLE);
    }

    @Test
    void shouldReadJsonIntoTheSameMigrationAsYaml() {
        Migration yaml = MigrationFiles.parse("m.yaml", DESIGN_EXAMPLE);
        Migration json = MigrationFiles.parse("m.json", DESIGN_EXAMPLE_JSON);

        assertThat(json)
                .usingRecursiveComparison()
                .ignoringFieldsMatchingRegexes(".*location", "source", "text", "checksum")
                .isEqualTo(yaml);
        assertThat(json.operations().get(2).location()).isEqualTo(at("m.json", 20, 6));
    }

    @Test
    void shouldApplyDefaults() {
        Migration m = MigrationFiles.parse("migrations/0007_drop_old_index.yml", MINIMAL);

        assertThat(m.id()).isEqualTo("0007_drop_old_index");
        assertThat(m.schema()).isEqualTo("public");
        assertThat(m.affects()).isEmpty();
        assertThat(m.deprecations()).isEmpty();
        assertThat(m.performance()).isNull();
    }

    @Test
    void shouldReadNumbersAndBooleansAsTextWhereTextIsExpected() {
        Migration m = MigrationFiles.parse("0001.yaml", """
                id: 0001
                service: 42
                owner: true
                rationale: 1.5
                operations:
                  - add_column:
                      table: counters
                      column: { name: hits, type: bigint, nullable: false, default: 0 }
                """);

        assertThat(m.id()).isEqualTo("0001");
        assertThat(m.service()).isEqualTo("42");
        assertThat(m.owner()).isEqualTo("true");
        assertThat(m.rationale()).isEqualTo("1.5");
        assertThat(((AddColumn) m.operations().getFirst()).column().defaultValue())
                .isEqualTo("0");
    }

    @Test
    void shouldHaveAChecksumThatIgnoresLineEndings() {
        Migration lf = MigrationFiles.parse("m.yaml", MINIMAL);
        Migration crlf = MigrationFiles.parse("m.yaml", MINIMAL.replace("\n", "\r\n"));

        assertThat(crlf.checksum()).isEqualTo(lf.checksum()).matches("[0-9a-f]{64}");
        assertThat(crlf.text()).isNotEqualTo(lf.text()).contains("\r\n");
        assertThat(MigrationFiles.parse("m.yaml", MINIMAL + "# a comment\n").checksum())
                .isNotEqualTo(lf.checksum());
    }

    @Test
    void shouldReadFilesByExtensionAndOthersByContent(@TempDir Path dir) throws Exception {
        Path json = Files.writeString(dir.resolve("0003_split_customer_name.json"), DESIGN_EXAMPLE_JSON);
        Path unknown = Files.writeString(dir.resolve("0003_split_customer_name.migration"), DESIGN_EXAMPLE_JSON);

        assertThat(MigrationFiles.parse(json).source()).isEqualTo(json.toString());
        assertThat(MigrationFiles.parse(unknown).operations()).hasSize(5);
    }

    @Test
    void shouldRefuseAMissingFileNamingIt(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yaml");

        assertThatThrownBy(() -> MigrationFiles.parse(missing))
                .isInstanceOfSatisfying(
                        TandemException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SPEC_INVALID))
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("no such file");
    }

    @Test
    void shouldExpandDirectoriesToTheirMigrationFilesSortedByName(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("0002_b.yml"), MINIMAL);
        Files.writeString(dir.resolve("0001_a.yaml"), MINIMAL);
        Files.writeString(
                dir.resolve("0003_c.json"), DESIGN_EXAMPLE_JSON.replace("0003_split_customer_name", "0003_c"));
        Files.writeString(dir.resolve("README.md"), "not a migration");

        List<Migration> all = MigrationFiles.parseAll(List.of(dir));

        assertThat(all).extracting(Migration::id).containsExactly("0001_a", "0002_b", "0003_c");
    }

    @Test
    void shouldReportProblemsOfEveryFileAndIdsUsedTwice(@TempDir Path dir) throws Exception {
        Path a = Files.writeString(dir.resolve("a.yaml"), "id: same\n" + MINIMAL);
        Path b = Files.writeString(dir.resolve("b.yaml"), "id: same\n" + MINIMAL);
        Path c = Files.writeString(dir.resolve("c.yaml"), MINIMAL.replace("owner", "ownr"));

        assertThatThrownBy(() -> MigrationFiles.parseAll(List.of(a, b, c)))
                .isInstanceOfSatisfying(TandemException.class, e -> assertThat(e.problems())
                        .extracting(Problem::toString)
                        .containsExactly(
                                b + ":1:1: id 'same' is also used by " + a,
                                c + ":1:1: missing required field 'owner' in migration",
                                c + ":2:1: unknown key 'ownr' in migration; did you mean 'owner'?"))
                .hasMessageStartingWith("3 migration files: 3 problems:");
    }
}
