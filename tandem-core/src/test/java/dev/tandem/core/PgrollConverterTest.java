package dev.tandem.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ConversionNote.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The converter as a whole: header, ids, deprecations, inputs and what it writes. */
class PgrollConverterTest {
    static final LocalDate SUNSET = LocalDate.of(2027, 3, 1);
    static final PgrollConverter CONVERTER = PgrollConverter.builder()
            .service("customers")
            .owner("team-crm")
            .sunset(SUNSET)
            .build();

    /** Only operations that tandem's reader takes today, so the written file must lint clean. */
    static final String TODAY_JSON = """
            {
              "name": "0002_tidy_customers",
              "operations": [
                {"add_column": {"table": "customers", "column": {"name": "nickname", "type": "text", "default": "''"}}},
                {"rename_column": {"table": "customers", "from": "email", "to": "email_address"}},
                {"drop_column": {"table": "customers", "column": "fax", "down": "NULL"}},
                {"alter_column": {"table": "orders", "column": "note", "name": "remark"}},
                {"rename_table": {"from": "carts", "to": "baskets"}},
                {"drop_table": {"name": "legacy_orders"}},
                {"create_index": {"table": "invoices", "name": "invoices_total_idx", "columns": ["total"]}},
                {"drop_index": {"name": "invoices_old_idx"}}
              ]
            }
            """;

    static final String TODAY_YAML = """
            name: 0002_tidy_customers
            operations:
              - add_column:
                  table: customers
                  column: { name: nickname, type: text, default: "''" }
              - rename_column: { table: customers, from: email, to: email_address }
              - drop_column: { table: customers, column: fax, down: "NULL" }
              - alter_column: { table: orders, column: note, name: remark }
              - rename_table: { from: carts, to: baskets }
              - drop_table: { name: legacy_orders }
              - create_index: { table: invoices, name: invoices_total_idx, columns: [total] }
              - drop_index: { name: invoices_old_idx }
            """;

    @TempDir
    Path dir;

    static Conversion convert(String json) {
        return CONVERTER.convert("pgroll/m.json", json);
    }

    @Test
    void shouldWriteTheHeaderWithServiceOwnerRationaleAndADeprecationForEveryDropAndRename() {
        Conversion conversion = CONVERTER.convert("pgroll/0002_tidy_customers.json", TODAY_JSON);

        assertThat(conversion.id()).isEqualTo("0002_tidy_customers");
        assertThat(conversion.fileName()).isEqualTo("0002_tidy_customers.yaml");
        assertThat(conversion.text()).startsWith("""
                id: 0002_tidy_customers
                service: customers
                owner: team-crm
                rationale: Converted from pgroll migration 0002_tidy_customers.json
                deprecations:
                  - field: customers.email
                    sunset: 2027-03-01
                  - field: customers.fax
                    sunset: 2027-03-01
                  - field: orders.note
                    sunset: 2027-03-01
                  - field: carts
                    sunset: 2027-03-01
                  - field: legacy_orders
                    sunset: 2027-03-01
                operations:
                  - add_column:
                """);
        assertThat(conversion.notes())
                .filteredOn(note -> note.message().startsWith("added the deprecation of"))
                .extracting(note -> note.location().line())
                .containsExactly(5, 6, 7, 8, 9);
    }

    @Test
    void shouldWriteAFileThatReadsBackAndLintsCleanWhenEveryOperationIsOneTandemTakesToday() {
        Conversion written = PgrollConverter.write(
                CONVERTER.convert("pgroll/0002_tidy_customers.json", TODAY_JSON), dir.resolve("out"));

        assertThat(written.file()).isEqualTo(dir.resolve("out/0002_tidy_customers.yaml"));
        assertThat(written.needsHuman()).isFalse();
        assertThat(written.notes()).extracting(ConversionNote::kind).containsOnly(Kind.CHANGED);
        Migration migration = MigrationFiles.parse(written.file());
        assertThat(Linter.lint(migration)).isEmpty();
        assertThat(migration.deprecations()).extracting(Deprecation::sunset).containsOnly(SUNSET);
        assertThat(migration.operations()).hasSize(8);
    }

    @Test
    void shouldReadJsonAndYamlAlike() {
        Conversion json = CONVERTER.convert("pgroll/0002_tidy_customers.json", TODAY_JSON);
        Conversion yaml = CONVERTER.convert("pgroll/0002_tidy_customers.yaml", TODAY_YAML);

        assertThat(yaml.text()).isEqualTo(json.text().replace("0002_tidy_customers.json", "0002_tidy_customers.yaml"));
    }

    @Test
    void shouldTakeTheIdFromTheFileNameWhenTheMigrationHasNoName() {
        Conversion conversion = CONVERTER.convert(
                "pgroll/0007_drop_fax.yaml", "operations:\n  - drop_index: { name: customers_fax_idx }\n");

        assertThat(conversion.id()).isEqualTo("0007_drop_fax");
        assertThat(conversion.notes()).isEmpty();
    }

    @Test
    void shouldMakeAnIdValidAndSayWhereItChangedIt() {
        String longName = "0003_Split-Customer Name_and_move_the_email_address";
        Conversion named =
                convert("{\"name\": \"" + longName + "\", \"operations\": [{\"drop_index\": {\"name\": \"i\"}}]}");
        Conversion fromFile =
                CONVERTER.convert("pgroll/0004.Add-Nickname.yml", "operations: [{drop_index: {name: i}}]");

        assertThat(named.id())
                .isEqualTo("0003_split_customer_name_and_move_the_em")
                .hasSize(40);
        assertThat(named.notes())
                .singleElement()
                .hasToString("pgroll/m.json:1:10: changed: pgroll's name '" + longName + "' is not a tandem id"
                        + " ([a-z0-9_]+, at most 40 characters); wrote id '0003_split_customer_name_and_move_the_em'");
        assertThat(fromFile.id()).isEqualTo("0004_add_nickname");
        assertThat(fromFile.notes()).singleElement().satisfies(note -> assertThat(note.message())
                .startsWith("the file's name '0004.Add-Nickname'"));
    }

    @Test
    void shouldMarkSqlWithoutDownIrreversibleAndSaySo() {
        Conversion conversion = convert("""
                {"operations": [
                  {"sql": {"up": "UPDATE customers SET tier = 'gold'"}},
                  {"sql": {"up": "DROP TABLE scratch", "onComplete": true}},
                  {"sql": {"up": "CREATE TABLE scratch (id int)", "down": "DROP TABLE scratch"}}
                ]}
                """);

        assertThat(conversion.text()).contains("""
                operations:
                  - sql:
                      up: UPDATE customers SET tier = 'gold'
                      irreversible: true
                  - sql:
                      up: DROP TABLE scratch
                      on_complete: true
                  - sql:
                      up: CREATE TABLE scratch (id int)
                      down: DROP TABLE scratch
                """);
        assertThat(conversion.notes()).singleElement().satisfies(note -> {
            assertThat(note.kind()).isEqualTo(Kind.CHANGED);
            assertThat(note.location()).isEqualTo(new SourceLocation("pgroll/m.json", 2, 4));
            assertThat(note.message()).contains("rollback cannot undo it; wrote 'irreversible: true'");
        });
    }

    @Test
    void shouldConvertADirectoryInFileNameOrderAndSkipOtherFiles() throws Exception {
        Path in = Files.createDirectories(dir.resolve("pgroll"));
        Files.writeString(in.resolve("02_second.yaml"), "operations: [{drop_index: {name: b}}]");
        Files.writeString(in.resolve("01_first.json"), "{\"operations\": [{\"drop_index\": {\"name\": \"a\"}}]}");
        Files.writeString(in.resolve("03_third.yml"), "operations: [{drop_index: {name: c}}]");
        Files.writeString(in.resolve("README.md"), "# not a migration");

        List<Conversion> conversions = CONVERTER.convert(List.of(in));

        assertThat(conversions).extracting(Conversion::id).containsExactly("01_first", "02_second", "03_third");
    }

    @Test
    void shouldRefuseTwoFilesThatWouldBeWrittenUnderOneId() throws Exception {
        Path in = Files.createDirectories(dir.resolve("pgroll"));
        Files.writeString(
                in.resolve("a.json"), "{\"name\": \"same\", \"operations\": [{\"drop_index\": {\"name\": \"a\"}}]}");
        Files.writeString(
                in.resolve("b.json"), "{\"name\": \"Same\", \"operations\": [{\"drop_index\": {\"name\": \"b\"}}]}");

        assertThatThrownBy(() -> CONVERTER.convert(List.of(in)))
                .isInstanceOfSatisfying(
                        TandemException.class,
                        e -> assertThat(e.problems()).singleElement().satisfies(p -> assertThat(p.toString())
                                .startsWith(in.resolve("b.json") + ":1:1: converts to id 'same', as "
                                        + in.resolve("a.json"))));
    }

    @Test
    void shouldRefuseAnUnknownOperationWithItsLineAndColumn() {
        assertThatThrownBy(() -> CONVERTER.convert("pgroll/m.yaml", """
                operations:
                  - drop_index: { name: a }
                  - create_view: { name: v }
                  - add_colum: { table: t }
                """))
                .isInstanceOfSatisfying(TandemException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.SPEC_INVALID);
                    assertThat(e.problems())
                            .extracting(Problem::toString)
                            .containsExactly(
                                    "pgroll/m.yaml:3:5: unknown pgroll operation 'create_view'; convert it by hand, or"
                                            + " remove it and convert the rest",
                                    "pgroll/m.yaml:4:5: unknown pgroll operation 'add_colum'; did you mean"
                                            + " 'add_column'?; convert it by hand, or remove it and convert the rest");
                });
    }

    @Test
    void shouldRefuseAFileThatIsNotAPgrollMigration() {
        assertThat(problems("m.json", "{\"operations\": ["))
                .singleElement()
                .asString()
                .startsWith("m.json:1:")
                .contains("JSON syntax error");
        assertThat(problems("m.yaml", "- drop_index: {name: a}"))
                .containsExactly("m.yaml:1:1: a pgroll migration must be a map, not a list");
        assertThat(problems("m.yaml", "name: x"))
                .containsExactly("m.yaml:1:1: a pgroll migration needs 'operations', a list of operations");
        assertThat(problems("m.yaml", "operations: [drop_index, {a: 1, b: 2}, {sql: up}]"))
                .containsExactly(
                        "m.yaml:1:14: a pgroll operation is a map with one key naming it, such as add_column, not a"
                                + " string",
                        "m.yaml:1:26: a pgroll operation is a map with one key naming it, such as add_column, not a"
                                + " map with 2 keys",
                        "m.yaml:1:46: the fields of sql must be a map, not a string");
    }

    @Test
    void shouldRefuseToBuildWithoutServiceOrOwner() {
        assertThatThrownBy(() -> PgrollConverter.builder().owner(" ").build())
                .isInstanceOfSatisfying(
                        TandemException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.USAGE))
                .hasMessageContaining("give the service and the owner");
    }

    @Test
    void shouldSetTheSunsetThirtyDaysFromTodayByDefault() {
        Clock clock = Clock.fixed(Instant.parse("2026-05-10T12:00:00Z"), ZoneOffset.UTC);

        PgrollConverter converter =
                PgrollConverter.builder().service("s").owner("o").clock(clock).build();

        assertThat(converter.sunset()).isEqualTo(LocalDate.of(2026, 6, 9));
    }

    @Test
    void shouldReportWhatTandemStillFindsInTheWrittenFileAndWhy() {
        Conversion written = PgrollConverter.write(convert("""
                        {"name": "0005_widen", "operations": [
                          {"alter_column": {"table": "orders", "column": "qty", "type": "bigint"}},
                          {"drop_column": {"table": "orders", "column": "fax"}},
                          {"create_table": {"name": "tags", "columns": []}}
                        ]}
                        """), dir);

        assertThat(written.needsHuman()).isTrue();
        assertThat(written.notes())
                .filteredOn(note -> note.kind() == Kind.UNREADABLE)
                .singleElement()
                .satisfies(note -> assertThat(note.toString())
                        .startsWith(dir.resolve("0005_widen.yaml") + ":18:16: refused by tandem: 'columns' in"
                                + " create_table must not be empty"));

        Conversion lintOnly = PgrollConverter.write(convert("""
                        {"name": "0006_widen", "operations": [
                          {"alter_column": {"table": "orders", "column": "qty", "type": "bigint"}},
                          {"drop_column": {"table": "orders", "column": "fax"}}
                        ]}
                        """), dir);

        assertThat(lintOnly.notes())
                .filteredOn(note -> note.kind() != Kind.CHANGED)
                .extracting(ConversionNote::kind, note -> note.location().line())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(Kind.LINT_ERROR, 9),
                        org.assertj.core.groups.Tuple.tuple(Kind.LINT_WARNING, 13));
        assertThat(lintOnly.notes().get(lintOnly.notes().size() - 2).message())
                .startsWith("[alter-without-up-down] alter_column changes the type of orders.qty")
                .endsWith("(pgroll's file leaves it out too; write both conversions out)");
    }

    private static List<String> problems(String name, String text) {
        try {
            CONVERTER.convert(name, text);
        } catch (TandemException e) {
            return e.problems().stream().map(Problem::toString).toList();
        }
        throw new AssertionError("expected " + name + " to be refused");
    }
}
