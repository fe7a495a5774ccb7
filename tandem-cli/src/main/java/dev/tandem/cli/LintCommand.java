package dev.tandem.cli;

import dev.tandem.core.LintFinding;
import dev.tandem.core.Linter;
import dev.tandem.core.Migration;
import dev.tandem.core.MigrationFiles;
import dev.tandem.core.Severity;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
        name = "lint",
        description = {
            "Check migration files without a database.",
            "Prints one line per finding: file:line:col: error|warning [rule] message. Exits 1 when any finding is"
                    + " an error, 2 when a file cannot be read."
        })
final class LintCommand extends TandemCommand {
    @Parameters(arity = "1..*", paramLabel = "<file|dir>", description = "Migration files, or directories of them.")
    List<Path> paths;

    @Override
    int execute() {
        List<Migration> migrations = MigrationFiles.parseAll(paths);
        int errors = 0;
        int warnings = 0;
        for (Migration migration : migrations) {
            for (LintFinding finding : Linter.lint(migration)) {
                out().println(format(finding));
                if (finding.severity() == Severity.ERROR) {
                    errors++;
                } else {
                    warnings++;
                }
            }
        }
        summarize(err(), migrations.size(), errors, warnings);
        return errors > 0 ? Failures.REFUSED : 0;
    }

    /** {@code file:line:col: error [rule] message}, the shape editors and CI annotators understand. */
    static String format(LintFinding finding) {
        return finding.location() + ": " + finding.severity().name().toLowerCase(Locale.ROOT) + " [" + finding.rule()
                + "] " + finding.message();
    }

    /** Counts every finding, prints them in file order, and says whether any is an error. */
    static boolean printFindings(List<LintFinding> findings, PrintWriter out) {
        boolean error = false;
        for (LintFinding finding : findings) {
            out.println(format(finding));
            error |= finding.severity() == Severity.ERROR;
        }
        return error;
    }

    private static void summarize(PrintWriter err, int files, int errors, int warnings) {
        String checked = files + (files == 1 ? " migration" : " migrations");
        if (errors == 0 && warnings == 0) {
            err.println("lint: " + checked + ", no findings");
        } else {
            err.println("lint: " + checked + ", " + plural(errors, "error") + ", " + plural(warnings, "warning"));
        }
        err.flush();
    }

    private static String plural(int n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }
}
