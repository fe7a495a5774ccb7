package dev.tandem.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** pgroll's spellings of the operations tandem shares with it are read as pgroll means them, and checked. */
class PgrollFormatTest {
    private static Migration parse(String operations) {
        return MigrationFiles.parse("m.yaml", MigrationValidationTest.HEADER + operations);
    }

    private static Operation only(String operations) {
        return parse(operations).operations().getFirst();
    }

    @Test
    void shouldReadNamedInlineConstraints() {
        var add = (Operation.AddColumn) only("""
                  - add_column:
                      table: t
                      column:
                        name: c
                        type: int
                        unique: { name: c_unique }
                        check: { name: c_positive, constraint: "c > 0" }
                        references: { name: c_fk, table: u, column: id, on_delete: CASCADE }
                """);
        assertThat(add.column().unique()).isTrue();
        assertThat(add.column().uniqueName()).isEqualTo("c_unique");
        assertThat(add.column().check()).isEqualTo("c > 0");
        assertThat(add.column().checkName()).isEqualTo("c_positive");
        assertThat(add.column().references())
                .isEqualTo(new ForeignKeyRef("u", List.of("id"), "CASCADE", null, false, false, "c_fk"));

        var alter = (Operation.AlterColumn) only("""
                  - alter_column:
                      table: t
                      column: c
                      unique: { name: c_unique }
                      check: { name: c_small, constraint: "c < 10" }
                      comment: null
                      up: c
                      down: c
                """);
        assertThat(alter.unique()).isTrue();
        assertThat(alter.uniqueName()).isEqualTo("c_unique");
        assertThat(alter.checkName()).isEqualTo("c_small");
        assertThat(alter.dropComment()).isTrue();
        assertThat(alter.needsCopy()).isTrue();
    }

    @Test
    void shouldRefuseANamedCheckWithoutItsConstraintOrName() {
        assertThat(MigrationValidationTest.operationProblems("""
                  - add_column: { table: t, column: { name: c, type: int, check: { name: k } } }
                  - add_column: { table: t, column: { name: d, type: int, unique: { nam: k } } }
                """))
                .containsExactly(
                        "m.yaml:5:66: missing required field 'constraint' in check",
                        "m.yaml:6:67: missing required field 'name' in unique",
                        "m.yaml:6:69: unknown key 'nam' in unique; did you mean 'name'?");
    }

    @Test
    void shouldReadTheConstraintsOfCreateTable() {
        var ct = (Operation.CreateTable) only("""
                  - create_table:
                      name: t
                      columns: [{ name: id, type: int }, { name: during, type: tsrange }]
                      constraints:
                        - { name: t_pk, type: primary_key, columns: [id], index_parameters: { include_columns: [during] } }
                        - { name: t_u, type: unique, columns: [id], nulls_not_distinct: true, deferrable: true }
                        - name: t_x
                          type: exclude
                          exclude: { elements: "during WITH &&", predicate: "id > 0" }
                """);
        assertThat(ct.constraints()).extracting(TableConstraint::name).containsExactly("t_pk", "t_u", "t_x");
        assertThat(ct.constraints().get(0).index().include()).containsExactly("during");
        assertThat(ct.constraints().get(1).nullsNotDistinct()).isTrue();
        assertThat(ct.constraints().get(1).deferrable()).isTrue();
        assertThat(ct.constraints().get(2).exclusion())
                .isEqualTo(new TableConstraint.Exclusion("gist", "during WITH &&", "id > 0"));
    }

    @Test
    void shouldRefuseOptionsThatDoNotFitTheConstraintType() {
        assertThat(MigrationValidationTest.operationProblems("""
                  - create_table:
                      name: t
                      columns: [{ name: id, type: int }]
                      constraints:
                        - { name: a, type: check, check: "id > 0", nulls_not_distinct: true }
                        - { name: b, type: exclude, columns: [id] }
                        - { name: c, type: primary_key }
                        - { name: a, type: unique, columns: [id], deferrable: false }
                """))
                .containsExactly(
                        "m.yaml:9:72: 'nulls_not_distinct' applies only to unique constraints",
                        "m.yaml:10:11: an exclude constraint needs 'exclude' ({index_method, elements, predicate})",
                        "m.yaml:10:46: an exclude constraint names its columns in 'exclude.elements', not in 'columns'",
                        "m.yaml:11:11: a primary_key constraint needs a non-empty 'columns' list",
                        "m.yaml:12:11: constraint 'a' appears twice in create_table (first at m.yaml:9:11)");
    }

    @Test
    void shouldReadEveryFormOfIndexColumns() {
        var list = (Operation.CreateIndex) only("""
                  - create_index: { table: t, name: i, columns: [a, b] }
                """);
        assertThat(list.columns()).containsExactly(IndexColumn.of("a"), IndexColumn.of("b"));
        var objects = (Operation.CreateIndex) only("""
                  - create_index:
                      table: t
                      name: i
                      method: GIST
                      storage_parameters: "buffering=on"
                      columns:
                        - { column: a, sort: desc, nulls: first, collate: C }
                        - { column: b, opclass: { name: gist_trgm_ops, params: ["siglen=32"] } }
                """);
        assertThat(objects.method()).isEqualTo("gist");
        assertThat(objects.storageParameters()).isEqualTo("buffering=on");
        assertThat(objects.columns())
                .containsExactly(
                        new IndexColumn("a", "C", null, List.of(), "DESC", "FIRST"),
                        new IndexColumn("b", null, "gist_trgm_ops", List.of("siglen=32"), null, null));
        var map = (Operation.CreateIndex) only("""
                  - create_index: { table: t, name: i, columns: { a: { opclass: text_pattern_ops }, b: {}, c: null } }
                """);
        assertThat(map.columnNames()).containsExactly("a", "b", "c");
        assertThat(map.columns().getFirst().opclass()).isEqualTo("text_pattern_ops");
        assertThat(MigrationValidationTest.operationProblems("""
                  - create_index: { table: t, name: i, columns: [{ column: a, sort: up }] }
                """))
                .containsExactly("m.yaml:5:69: 'sort' is ASC or DESC, not 'up'");
    }

    @Test
    void shouldReadDropConstraintWithUpAndDownAndTheMultiColumnForm() {
        var single = (Operation.DropConstraint) only("""
                  - drop_constraint: { table: t, name: k, up: "SELECT c", down: "greatest(c, 0)" }
                """);
        assertThat(single.multiColumn()).isFalse();
        assertThat(single.up()).containsEntry("", "c");
        assertThat(single.rebuildsColumns()).isTrue();
        var multi = (Operation.DropConstraint) only("""
                  - drop_multicolumn_constraint: { table: t, name: k, up: { a: a, b: b }, down: { a: "least(a, b)" } }
                """);
        assertThat(multi.kind()).isEqualTo("drop_multicolumn_constraint");
        assertThat(multi.down()).containsOnlyKeys("a");
        assertThat(((Operation.DropConstraint) only("  - drop_constraint: { table: t, name: k }\n")).rebuildsColumns())
                .isFalse();
    }

    @Test
    void shouldReadReplicaIdentitiesAsPgrollWritesThem() {
        var full = (Operation.SetReplicaIdentity) only("""
                  - set_replica_identity: { table: t, identity: { type: FULL, index: "" } }
                """);
        assertThat(full.type()).isEqualTo("FULL");
        assertThat(full.index()).isNull();
        var index = (Operation.SetReplicaIdentity) only("""
                  - set_replica_identity: { table: t, identity: { type: index, index: t_key } }
                """);
        assertThat(index.index()).isEqualTo("t_key");
        assertThat(MigrationValidationTest.operationProblems("""
                  - set_replica_identity: { table: t, identity: { type: index } }
                  - set_replica_identity: { table: t, identity: { type: ful } }
                  - set_replica_identity: { table: t, identity: { type: full, index: t_key } }
                """))
                .containsExactly(
                        "m.yaml:5:57: replica identity 'index' needs 'index', the name of a unique index",
                        "m.yaml:6:57: replica identity 'ful' must be one of default, full, nothing, index; did you"
                                + " mean 'full'?",
                        "m.yaml:7:70: 'index' applies only to replica identity 'index'");
    }

    @Test
    void shouldReadSelectExpressionsAsTheExpression() {
        assertThat(SqlExpressions.normalize("SELECT upper(name)")).isEqualTo("upper(name)");
        assertThat(SqlExpressions.normalize("  select CASE WHEN a THEN 'from' END"))
                .isEqualTo("CASE WHEN a THEN 'from' END");
        assertThat(SqlExpressions.normalize("SELECT EXISTS (SELECT 1 FROM u WHERE u.id = c)"))
                .isEqualTo("EXISTS (SELECT 1 FROM u WHERE u.id = c)");
        assertThat(SqlExpressions.normalize("SELECT u.name FROM u WHERE u.id = c"))
                .isEqualTo("(SELECT u.name FROM u WHERE u.id = c)");
        assertThat(SqlExpressions.normalize("selected_at")).isEqualTo("selected_at");
        assertThat(SqlExpressions.readsOtherRows("EXISTS (SELECT 1 FROM u)")).isTrue();
        assertThat(SqlExpressions.readsOtherRows("'select' || selected")).isFalse();
        var add = (Operation.AddColumn) only("""
                  - add_column: { table: t, column: { name: c, type: int }, up: "SELECT a + 1" }
                """);
        assertThat(add.up()).isEqualTo("a + 1");
    }

    @Test
    void shouldWarnThatAnExpressionOverAnotherTableIsEvaluatedOnWrite() {
        List<LintFinding> findings = Linter.lint(parse("""
                  - add_column:
                      table: t
                      column: { name: ok, type: boolean }
                      up: "EXISTS (SELECT 1 FROM users WHERE users.id = user_id)"
                """));
        assertThat(findings).anySatisfy(f -> assertThat(f.toString())
                .contains("cross-table-expression")
                .contains("'up' of t.ok reads other rows"));
    }

    @Test
    void shouldAcceptIrreversibleAndOnCompleteSqlWithoutDown() {
        Migration m = parse("""
                  - sql: { up: "UPDATE t SET a = 1", irreversible: true }
                  - sql: { up: "VACUUM t", on_complete: true }
                """);
        List<LintFinding> findings = Linter.lint(m);
        assertThat(findings).noneSatisfy(f -> assertThat(f.toString()).contains("sql-without-down"));
        assertThat(findings).anySatisfy(f -> assertThat(f.toString()).contains("irreversible-sql"));
        assertThat(m.rollbackRefusal()).hasValue("the sql operation at m.yaml:5:5 is marked irreversible");
        assertThat(MigrationValidationTest.operationProblems("""
                  - sql: { up: "UPDATE t SET a = 1", down: "UPDATE t SET a = 0", irreversible: true }
                """))
                .containsExactly(
                        "m.yaml:5:80: an sql operation with 'down' is reversible; remove 'irreversible' or 'down'");
    }

    @Test
    void shouldNameTheVersionSchemaAsTheFileSays() {
        Migration m = MigrationFiles.parse(
                "0001_x.yaml",
                "version_schema: app_v2\n" + MigrationValidationTest.HEADER + "  - drop_index: { name: i }\n");
        assertThat(m.versionSchema()).isEqualTo("app_v2");
        assertThat(MigrationValidationTest.problems(
                        "0001_x.yaml",
                        "version_schema: public\n" + MigrationValidationTest.HEADER + "  - drop_index: { name: i }\n"))
                .containsExactly("0001_x.yaml:1:17: version_schema 'public' would replace a schema tandem must not"
                        + " touch; choose a name of its own, such as public_v2");
    }
}
