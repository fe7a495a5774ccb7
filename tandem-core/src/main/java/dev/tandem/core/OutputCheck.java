package dev.tandem.core;

import dev.tandem.core.ConversionNote.Kind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a converted file back as tandem reads any migration, and lints it: what remains is a note
 * that says what tandem found and why the conversion left it there.
 */
final class OutputCheck {
    /** Why a finding can remain after conversion, by rule id; rules not named here get {@link #STRICTER}. */
    private static final Map<String, String> WHY = Map.of(
            "sql-without-down",
            "pgroll's sql has no 'down'",
            "not-null-without-default",
            "pgroll makes a column NOT NULL unless it says 'nullable: true'; if NULLs are fine, write"
                    + " 'nullable: true', else give 'default' or 'up'",
            "alter-not-null-without-up",
            "pgroll's file gives no 'up' either",
            "alter-without-up-down",
            "pgroll's file leaves it out too; write both conversions out",
            "drop-column-without-down",
            "pgroll's drop_column has no 'down' either",
            "unchecked-sql",
            "the pgroll file runs raw SQL");

    private static final String STRICTER = "tandem's lint asks more than pgroll's validation does";

    private OutputCheck() {}

    static List<ConversionNote> check(Path file) {
        List<ConversionNote> notes = new ArrayList<>();
        Migration migration;
        try {
            migration = MigrationFiles.parse(file);
        } catch (TandemException e) {
            if (e.problems().isEmpty()) {
                notes.add(new ConversionNote(Kind.UNREADABLE, SourceLocation.unknown(file.toString()), e.getMessage()));
            }
            for (Problem problem : e.problems()) {
                notes.add(new ConversionNote(
                        Kind.UNREADABLE,
                        problem.location(),
                        problem.message() + " (the converted file says what the pgroll file says here: fix it by"
                                + " hand, or, for a pgroll field this tandem does not read yet, write the operation"
                                + " another way)"));
            }
            return notes;
        }
        for (LintFinding finding : Linter.lint(migration)) {
            notes.add(new ConversionNote(
                    finding.severity() == Severity.ERROR ? Kind.LINT_ERROR : Kind.LINT_WARNING,
                    finding.location(),
                    "[" + finding.rule() + "] " + finding.message() + " (" + WHY.getOrDefault(finding.rule(), STRICTER)
                            + ")"));
        }
        return notes;
    }
}
