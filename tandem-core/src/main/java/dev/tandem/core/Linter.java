package dev.tandem.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Checks a parsed migration for changes that are unsafe or lose data while both shapes are served.
 * Rule ids are stable: {@code deprecation-required}, {@code deprecation-unused}, {@code sql-without-down},
 * {@code unchecked-sql}, {@code not-null-without-default}, {@code alter-not-null-without-up},
 * {@code alter-without-up-down}, {@code drop-column-without-down}, {@code volatile-default},
 * {@code prefer-bigint}, {@code prefer-text}, {@code prefer-timestamptz},
 * {@code require-index-for-fk}, {@code cross-table-expression}, {@code irreversible-sql},
 * {@code move-without-reverse} and {@code move-volatile-expression}. Stateless and thread-safe.
 */
public final class Linter {
    private static final Comparator<LintFinding> ORDER =
            Comparator.comparing(LintFinding::location, Problems.BY_POSITION).thenComparing(LintFinding::rule);

    private Linter() {}

    /** Every finding for {@code migration}, sorted by location, then rule id. Never null. */
    public static List<LintFinding> lint(Migration migration) {
        List<LintFinding> findings = new ArrayList<>();
        DeprecationRules.check(migration, findings);
        for (Operation operation : migration.operations()) {
            OperationRules.check(operation, findings);
        }
        TypeRules.check(migration, findings);
        ForeignKeyIndexRule.check(migration, findings);
        findings.sort(ORDER);
        return List.copyOf(findings);
    }

    /** Whether any finding is an error, which refuses {@code start} and makes {@code tandem lint} exit 1. */
    public static boolean hasErrors(List<LintFinding> findings) {
        return findings.stream().anyMatch(f -> f.severity() == Severity.ERROR);
    }
}
