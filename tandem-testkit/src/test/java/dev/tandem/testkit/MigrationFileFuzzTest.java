package dev.tandem.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.ColumnSpec;
import dev.tandem.core.ConstraintType;
import dev.tandem.core.ErrorCode;
import dev.tandem.core.ForeignKeyRef;
import dev.tandem.core.Migration;
import dev.tandem.core.MigrationFiles;
import dev.tandem.core.Operation;
import dev.tandem.core.Problem;
import dev.tandem.core.TandemException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The migration file reader against {@link MigrationFuzz}: every field of every operation, column
 * object, reference and the file itself set to null, a wrong type, an empty or a huge value. Each
 * input either parses into a model the engine can trust, or is refused with SPEC_INVALID problems that
 * each name a line and column of the file. Nothing else may happen.
 */
class MigrationFileFuzzTest {
    /** Long enough for any message tandem writes; short enough that a 10 kB value must be cut. */
    static final int MAX_PROBLEM_LENGTH = 600;

    @Test
    void shouldParseOrRefuseEveryMalformedFieldWithALocatedProblem() {
        List<String> failures = new ArrayList<>();
        List<MigrationFuzz.Case> cases = MigrationFuzz.cases();
        for (MigrationFuzz.Case c : cases) {
            failures.addAll(check(c, true));
        }
        assertThat(cases).hasSizeGreaterThan(5000);
        assertThat(failures).as("cases that failed, of " + cases.size()).isEmpty();
    }

    @Test
    void shouldRefuseEveryMalformedFileWithAProblem() {
        List<String> failures = new ArrayList<>();
        for (MigrationFuzz.Case c : MigrationFuzz.wholeFiles()) {
            failures.addAll(check(c, false));
        }
        assertThat(failures).isEmpty();
    }

    /** What is wrong with how {@code c} was handled; empty when it was handled well. */
    static List<String> check(MigrationFuzz.Case c, boolean mayParse) {
        List<String> failures = new ArrayList<>();
        try {
            Migration m = MigrationFiles.parse(c.file(), c.text());
            if (!mayParse) {
                failures.add(c + ": parsed");
            }
            for (String broken : TrustworthyModel.problems(m)) {
                failures.add(c + ": parsed, but " + broken);
            }
        } catch (TandemException e) {
            if (e.code() != ErrorCode.SPEC_INVALID) {
                failures.add(c + ": " + e.code() + " " + e.getMessage());
            }
            if (e.problems().isEmpty()) {
                failures.add(c + ": no problem listed in " + cut(e.getMessage()));
            }
            for (Problem p : e.problems()) {
                if (!p.location().file().equals(c.file()) || p.location().line() < 1) {
                    failures.add(c + ": problem without a line: " + cut(p.toString()));
                }
                if (p.message().length() > MAX_PROBLEM_LENGTH) {
                    failures.add(c + ": problem of " + p.message().length() + " characters: " + cut(p.toString()));
                }
            }
        } catch (RuntimeException | StackOverflowError e) {
            failures.add(c + ": " + e);
        }
        return failures;
    }

    private static String cut(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    /** The promises the model makes to the engine: required fields are there, nothing holds a NUL. */
    static final class TrustworthyModel {
        private final List<String> problems = new ArrayList<>();

        static List<String> problems(Migration m) {
            TrustworthyModel t = new TrustworthyModel();
            t.text("id", m.id());
            t.text("service", m.service());
            t.text("owner", m.owner());
            t.text("rationale", m.rationale());
            t.text("schema", m.schema());
            t.optional("performance", m.performance());
            m.affects().forEach(a -> t.text("affects", a));
            m.deprecations().forEach(d -> {
                t.text("deprecation field", d.field());
                if (d.sunset() == null) {
                    t.problems.add("deprecation sunset is null");
                }
            });
            m.operations().forEach(t::operation);
            return t.problems;
        }

        private void text(String what, String value) {
            if (value == null || value.isBlank()) {
                problems.add(what + " is " + (value == null ? "null" : "blank"));
            } else {
                optional(what, value);
            }
        }

        private void optional(String what, String value) {
            if (value != null && value.indexOf('\u0000') >= 0) {
                problems.add(what + " holds a NUL character, which PostgreSQL cannot take");
            }
        }

        private void names(String what, List<String> names) {
            if (names.isEmpty()) {
                problems.add(what + " is empty");
            }
            names.forEach(n -> text(what, n));
        }

        private void column(ColumnSpec c) {
            if (c == null) {
                problems.add("a column is null");
                return;
            }
            text("column name", c.name());
            text("column type", c.type());
            optional("column default", c.defaultValue());
            optional("column check", c.check());
            reference(c.references());
        }

        private void reference(ForeignKeyRef r) {
            if (r != null) {
                text("references table", r.table());
                names("references columns", r.columns());
            }
        }

        private void operation(Operation op) {
            switch (op) {
                case Operation.CreateTable o -> {
                    text("create_table name", o.name());
                    if (o.columns().isEmpty()) {
                        problems.add("create_table has no columns");
                    }
                    o.columns().forEach(this::column);
                }
                case Operation.DropTable o -> text("drop_table name", o.name());
                case Operation.RenameTable o -> {
                    text("rename_table from", o.from());
                    text("rename_table to", o.to());
                }
                case Operation.AddColumn o -> {
                    text("add_column table", o.table());
                    column(o.column());
                    optional("add_column up", o.up());
                }
                case Operation.DropColumn o -> {
                    text("drop_column table", o.table());
                    text("drop_column column", o.column());
                    optional("drop_column down", o.down());
                }
                case Operation.RenameColumn o -> {
                    text("rename_column table", o.table());
                    text("rename_column from", o.from());
                    text("rename_column to", o.to());
                }
                case Operation.AlterColumn o -> alterColumn(o);
                case Operation.CreateIndex o -> {
                    text("create_index table", o.table());
                    text("create_index name", o.name());
                    names("create_index columns", o.columnNames());
                    optional("create_index method", o.method());
                    optional("create_index predicate", o.predicate());
                }
                case Operation.DropIndex o -> text("drop_index name", o.name());
                case Operation.CreateConstraint o -> {
                    text("create_constraint table", o.table());
                    text("create_constraint name", o.name());
                    if (o.type() == null) {
                        problems.add("create_constraint type is null");
                    } else if (o.type() == ConstraintType.CHECK && o.check() == null) {
                        problems.add("a check constraint has no check");
                    } else if (o.type() == ConstraintType.FOREIGN_KEY && o.references() == null) {
                        problems.add("a foreign_key constraint has no references");
                    } else if (o.type() == ConstraintType.EXCLUDE
                            && o.constraint().exclusion() == null) {
                        problems.add("an exclude constraint has no exclude");
                    } else if (o.type() != ConstraintType.CHECK
                            && o.type() != ConstraintType.EXCLUDE
                            && o.columns().isEmpty()) {
                        problems.add("a " + o.type() + " constraint has no columns");
                    }
                    o.columns().forEach(n -> text("create_constraint columns", n));
                    optional("create_constraint check", o.check());
                    reference(o.references());
                    o.up().forEach((k, v) -> text("create_constraint up." + k, v));
                    o.down().forEach((k, v) -> text("create_constraint down." + k, v));
                }
                case Operation.DropConstraint o -> {
                    text("drop_constraint table", o.table());
                    text("drop_constraint name", o.name());
                }
                case Operation.SetReplicaIdentity o -> {
                    text("set_replica_identity table", o.table());
                    text("set_replica_identity type", o.type());
                }
                case Operation.RenameConstraint o -> {
                    text("rename_constraint table", o.table());
                    text("rename_constraint from", o.from());
                    text("rename_constraint to", o.to());
                }
                case Operation.RawSql o -> {
                    text("sql up", o.up());
                    optional("sql down", o.down());
                }
                case Operation.MoveTable o -> {
                    text("move_table table", o.table());
                    names("move_table key", o.key());
                    text("move_table to.store", o.toStore());
                    text("move_table to.table", o.toTable());
                    if (o.columns().isEmpty()) {
                        problems.add("move_table has no columns");
                    }
                    o.columns().forEach((k, v) -> text("move_table columns." + k, v));
                    o.reverse().forEach((k, v) -> text("move_table reverse." + k, v));
                    if (o.targetKey().size() != o.key().size()) {
                        problems.add("move_table key " + o.key() + " is not mapped by name in columns");
                    }
                }
            }
        }

        private void alterColumn(Operation.AlterColumn o) {
            text("alter_column table", o.table());
            text("alter_column column", o.column());
            optional("alter_column type", o.type());
            optional("alter_column default", o.defaultValue());
            optional("alter_column check", o.check());
            optional("alter_column name", o.name());
            optional("alter_column up", o.up());
            optional("alter_column down", o.down());
            reference(o.references());
            boolean changes = o.type() != null
                    || o.nullable() != null
                    || o.defaultValue() != null
                    || o.dropDefault()
                    || o.unique() != null
                    || o.check() != null
                    || o.references() != null
                    || o.name() != null;
            if (!changes) {
                problems.add("alter_column changes nothing");
            }
        }
    }
}
