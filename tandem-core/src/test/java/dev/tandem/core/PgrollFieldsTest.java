package dev.tandem.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.ConversionNote.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Field by field: what each pgroll field becomes in the tandem file. Shapes tandem's reader is still
 * learning are checked on the written text, not by reading it back.
 */
class PgrollFieldsTest {

    /** The text of the converted operations of a pgroll YAML file whose operations are {@code operations}. */
    static String operations(String operations) {
        return convert(operations).text().replaceFirst("(?s)^.*?\noperations:\n", "");
    }

    static Conversion convert(String operations) {
        return PgrollConverterTest.CONVERTER.convert("m.yaml", "name: m\noperations:\n" + operations);
    }

    static List<String> notes(String operations, Kind kind) {
        return convert(operations).notes().stream()
                .filter(note -> note.kind() == kind)
                .map(note -> note.location().line() + ":" + note.location().column() + " " + note.message())
                .toList();
    }

    @Test
    void shouldCarryEveryColumnFieldAndRenamePkToPrimaryKey() {
        assertThat(operations("""
                  - create_table:
                      name: invoices
                      comment: one row per invoice
                      columns:
                        - name: id
                          type: bigint
                          pk: true
                          generated: { identity: { user_specified_values: BY DEFAULT, sequence_options: START 1000 } }
                        - name: number
                          type: text
                          nullable: false
                          unique: true
                          check: { name: number_format, constraint: "number ~ '^INV-'" }
                          comment: printed on the invoice
                        - name: customer_id
                          type: bigint
                          nullable: true
                          references:
                            name: invoices_customer_fk
                            table: customers
                            column: id
                            on_delete: SET NULL
                            on_update: CASCADE
                            deferrable: true
                            initially_deferred: true
                        - name: total_cents
                          type: bigint
                          nullable: true
                          default: "0"
                        - { name: total, type: numeric, nullable: true, generated: { expression: total_cents / 100.0 } }
                """)).isEqualTo("""
                          - create_table:
                              name: invoices
                              comment: one row per invoice
                              columns:
                                - name: id
                                  type: bigint
                                  primary_key: true
                                  generated:
                                    identity:
                                      user_specified_values: BY DEFAULT
                                      sequence_options: START 1000
                                - name: number
                                  type: text
                                  nullable: false
                                  unique: true
                                  check:
                                    name: number_format
                                    constraint: number ~ '^INV-'
                                  comment: printed on the invoice
                                - name: customer_id
                                  type: bigint
                                  nullable: true
                                  references:
                                    name: invoices_customer_fk
                                    table: customers
                                    column: id
                                    on_delete: SET NULL
                                    on_update: CASCADE
                                    deferrable: true
                                    initially_deferred: true
                                - name: total_cents
                                  type: bigint
                                  nullable: true
                                  default: "0"
                                - name: total
                                  type: numeric
                                  nullable: true
                                  generated:
                                    expression: total_cents / 100.0
                        """);
    }

    @Test
    void shouldWriteNullableFalseWherePgrollWouldMakeTheColumnNotNull() {
        String pgroll = """
                  - create_table:
                      name: notes
                      columns:
                        - { name: id, type: bigserial, pk: true }
                        - { name: body, type: text }
                        - { name: position, type: serial }
                        - { name: author, type: text, nullable: true }
                  - add_column: { table: customers, column: { name: tier, type: text, default: "'basic'" } }
                """;

        assertThat(operations(pgroll)).contains("""
                                - name: body
                                  type: text
                                  nullable: false
                                - name: position
                                  type: serial
                                - name: author
                                  type: text
                                  nullable: true
                        """).contains("""
                              column:
                                name: tier
                                type: text
                                nullable: false
                                default: "'basic'"
                        """);
        assertThat(notes(pgroll, Kind.CHANGED))
                .containsExactly("7:11 wrote 'nullable: false' on 2 columns that had no 'nullable' (notes.body,"
                        + " customers.tier): pgroll makes a column NOT NULL unless it says 'nullable: true', tandem"
                        + " makes it nullable");
    }

    @Test
    void shouldCarryAlterColumnWithNamedConstraintsCommentAndDroppedDefault() {
        assertThat(operations("""
                  - alter_column:
                      table: customers
                      column: email
                      unique: { name: customers_email_key }
                      check: { name: email_has_at, constraint: "email LIKE '%@%'" }
                      references: { name: customers_account_fk, table: accounts, column: id, on_delete: CASCADE }
                      default: null
                      comment: null
                      nullable: false
                      up: coalesce(email, 'unknown@example.com')
                      down: email
                """)).isEqualTo("""
                          - alter_column:
                              table: customers
                              column: email
                              unique:
                                name: customers_email_key
                              check:
                                name: email_has_at
                                constraint: email LIKE '%@%'
                              references:
                                name: customers_account_fk
                                table: accounts
                                column: id
                                on_delete: CASCADE
                              default: null
                              comment: null
                              nullable: false
                              up: coalesce(email, 'unknown@example.com')
                              down: email
                        """);
    }

    @Test
    void shouldCarryTableConstraintsAndEveryConstraintType() {
        assertThat(operations("""
                  - create_table:
                      name: bookings
                      columns: [{ name: id, type: bigint, pk: true }]
                      constraints:
                        - name: bookings_room_key
                          type: unique
                          columns: [room]
                          nulls_not_distinct: true
                          index_parameters: { storage_parameters: fillfactor=70, include_columns: [id] }
                        - name: bookings_no_overlap
                          type: exclude
                          exclude: { index_method: gist, elements: "room WITH =, during WITH &&", predicate: room > 0 }
                          deferrable: true
                          initially_deferred: false
                  - create_constraint:
                      table: rooms
                      name: rooms_pkey
                      type: primary_key
                      columns: [id]
                      up: { id: id }
                      down: { id: id }
                  - create_constraint:
                      table: rooms
                      name: rooms_floor_fk
                      type: foreign_key
                      columns: [floor_id]
                      references: { table: floors, columns: [id], on_delete: RESTRICT, on_update: NO ACTION }
                      deferrable: true
                      up: { floor_id: floor_id }
                      down: { floor_id: floor_id }
                """)).isEqualTo("""
                          - create_table:
                              name: bookings
                              columns:
                                - name: id
                                  type: bigint
                                  primary_key: true
                              constraints:
                                - name: bookings_room_key
                                  type: unique
                                  columns:
                                    - room
                                  nulls_not_distinct: true
                                  index_parameters:
                                    storage_parameters: fillfactor=70
                                    include_columns:
                                      - id
                                - name: bookings_no_overlap
                                  type: exclude
                                  exclude:
                                    index_method: gist
                                    elements: room WITH =, during WITH &&
                                    predicate: room > 0
                                  deferrable: true
                                  initially_deferred: false
                          - create_constraint:
                              table: rooms
                              name: rooms_pkey
                              type: primary_key
                              columns:
                                - id
                              up:
                                id: id
                              down:
                                id: id
                          - create_constraint:
                              table: rooms
                              name: rooms_floor_fk
                              type: foreign_key
                              columns:
                                - floor_id
                              references:
                                table: floors
                                columns:
                                  - id
                                on_delete: RESTRICT
                                on_update: NO ACTION
                              deferrable: true
                              up:
                                floor_id: floor_id
                              down:
                                floor_id: floor_id
                        """);
    }

    @Test
    void shouldCarryTheOperationsOnConstraintsAndReplicaIdentity() {
        assertThat(operations("""
                  - drop_constraint: { table: a, name: a_check, up: x, down: x }
                  - drop_multicolumn_constraint: { table: b, name: b_key, up: { x: x, y: y }, down: { x: x } }
                  - rename_constraint: { table: c, from: c_old, to: c_new }
                  - set_replica_identity: { table: d, identity: { type: index, index: d_pkey } }
                """)).isEqualTo("""
                          - drop_constraint:
                              table: a
                              name: a_check
                              up: x
                              down: x
                          - drop_multicolumn_constraint:
                              table: b
                              name: b_key
                              up:
                                x: x
                                "y": "y"
                              down:
                                x: x
                          - rename_constraint:
                              table: c
                              from: c_old
                              to: c_new
                          - set_replica_identity:
                              table: d
                              identity:
                                type: index
                                index: d_pkey
                        """);
    }

    @Test
    void shouldCarryEachFormOfIndexColumns() {
        assertThat(operations("""
                  - create_index: { table: t, name: by_names, columns: [a, b], unique: true, method: btree, predicate: a > 0 }
                  - create_index:
                      table: t
                      name: by_fields
                      columns:
                        - { column: a, sort: DESC, nulls: LAST }
                        - { column: b, opclass: { name: gist_trgm_ops, params: [siglen=32] } }
                      method: gist
                      storage_parameters: fillfactor=70
                  - create_index:
                      table: t
                      name: by_map
                      columns: { a: { sort: ASC, nulls: FIRST }, b: {} }
                """)).isEqualTo("""
                          - create_index:
                              table: t
                              name: by_names
                              columns:
                                - a
                                - b
                              unique: true
                              method: btree
                              predicate: a > 0
                          - create_index:
                              table: t
                              name: by_fields
                              columns:
                                - column: a
                                  sort: DESC
                                  nulls: LAST
                                - column: b
                                  opclass:
                                    name: gist_trgm_ops
                                    params:
                                      - siglen=32
                              method: gist
                              storage_parameters: fillfactor=70
                          - create_index:
                              table: t
                              name: by_map
                              columns:
                                a:
                                  sort: ASC
                                  nulls: FIRST
                                b: {}
                        """);
    }

    @Test
    void shouldLeaveOutWhatTandemWillNotCarryAndSayWhereAndWhatToDo() {
        String pgroll = """
                  - create_table:
                      name: t
                      columns:
                        - { name: a, type: bigint, check: { name: a_pos, constraint: a > 0, no_inherit: true } }
                        - { name: b, type: bigint, references: { name: b_fk, table: u, column: id, match_type: FULL } }
                      constraints:
                        - { name: t_key, type: unique, columns: [a], index_parameters: { tablespace: fast } }
                  - create_constraint:
                      table: v
                      name: v_fk
                      type: foreign_key
                      columns: [x, y]
                      references: { table: w, columns: [x, y], on_delete: SET NULL, on_delete_set_columns: [y] }
                      no_inherit: true
                      up: { x: x, y: y }
                      down: { x: x, y: y }
                  - create_index: { table: t, name: i, columns: [{ column: a, collate: C }] }
                  - create_index: { table: t, name: j, columns: { a: { collate: C } } }
                """;

        assertThat(notes(pgroll, Kind.NOT_CARRIED))
                .extracting(note -> note.substring(0, note.indexOf(':', note.indexOf(' '))))
                .containsExactly(
                        "6:77 left out 'no_inherit' of check",
                        "7:84 left out 'match_type' of references",
                        "9:74 left out 'tablespace' of index_parameters",
                        "15:69 left out 'on_delete_set_columns' of references",
                        "16:7 left out 'no_inherit' of create_constraint",
                        "19:63 left out 'collate' of index column",
                        "20:56 left out 'collate' of index column");
        assertThat(notes(pgroll, Kind.NOT_CARRIED).get(1))
                .endsWith("tandem creates foreign keys MATCH SIMPLE, which accepts a row when any of its key columns"
                        + " is NULL; if that is wrong here, create the key with a sql operation");
        assertThat(operations(pgroll))
                .doesNotContain("no_inherit", "match_type", "tablespace", "on_delete_set_columns", "collate")
                .contains("index_parameters: {}");
    }

    @Test
    void shouldLeaveOutNoInheritFalseAndMatchSimpleAsTandemDoesTheSame() {
        String pgroll = """
                  - alter_column:
                      table: t
                      column: a
                      check: { name: a_pos, constraint: a > 0, no_inherit: false }
                      references: { name: a_fk, table: u, column: id, match_type: SIMPLE }
                      up: a
                      down: a
                """;

        assertThat(notes(pgroll, Kind.NOT_CARRIED)).isEmpty();
        assertThat(notes(pgroll, Kind.CHANGED))
                .containsExactly(
                        "6:48 left out 'no_inherit: false' of check: tandem's checks are inherited, as this one"
                                + " would be",
                        "7:55 left out 'match_type: SIMPLE' of references: tandem's foreign keys are MATCH SIMPLE");
    }

    @Test
    void shouldReportAFieldPgrollDoesNotHaveWithItsLineColumnAndASuggestion() {
        Conversion conversion = PgrollConverterTest.CONVERTER.convert("m.yaml", """
                name: m
                description: tidy up
                operations:
                  - drop_column: { tabel: t, column: c, down: "''" }
                  - add_column: { table: t, column: { name: d, type: text, nulable: true } }
                """);

        assertThat(conversion.notes())
                .filteredOn(note -> note.kind() == Kind.NOT_CARRIED)
                .extracting(ConversionNote::toString)
                .containsExactly(
                        "m.yaml:2:1: not carried: left out 'description': a pgroll migration has no such field; if it"
                                + " means something, write it into the tandem file by hand",
                        "m.yaml:4:20: not carried: left out 'tabel' of drop_column: pgroll has no such field; did you"
                                + " mean 'table'?; if it means something, write it into the tandem file by hand",
                        "m.yaml:5:60: not carried: left out 'nulable' of column: pgroll has no such field; did you"
                                + " mean 'nullable'?; if it means something, write it into the tandem file by hand");
        assertThat(conversion.text()).doesNotContain("description", "tabel", "nulable");
    }

    @Test
    void shouldLeaveOutAnEmptyUpOrDownWhichPgrollReadsAsNone() {
        String pgroll = """
                  - drop_column: { table: t, column: c, down: "" }
                  - add_column: { table: t, up: "", column: { name: d, type: text, nullable: true } }
                """;

        assertThat(operations(pgroll)).doesNotContain("down:", "up:");
        assertThat(notes(pgroll, Kind.CHANGED))
                .contains(
                        "3:41 left out the empty 'down' of drop_column, which pgroll reads as none",
                        "4:29 left out the empty 'up' of add_column, which pgroll reads as none");
    }

    @Test
    void shouldKeepTheKeyOrderOfTheSourceAndCarryTheVersionSchema() {
        Conversion conversion = PgrollConverterTest.CONVERTER.convert("m.json", """
                {"version_schema": "api_v2", "operations": [
                  {"alter_column": {"down": "name", "up": "upper(name)", "column": "name", "table": "t", "type": "text"}}
                ]}
                """);

        assertThat(conversion.text())
                .contains("rationale: Converted from pgroll migration m.json\nversion_schema: api_v2\noperations:")
                .endsWith("""
                          - alter_column:
                              down: name
                              up: upper(name)
                              column: name
                              table: t
                              type: text
                        """);
    }
}
