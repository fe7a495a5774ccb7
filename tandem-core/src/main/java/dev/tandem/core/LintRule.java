package dev.tandem.core;

/** The lint rules: each has a stable id (shown to users, used to look it up) and a fixed severity. */
enum LintRule {
    DEPRECATION_REQUIRED("deprecation-required", Severity.ERROR),
    DEPRECATION_UNUSED("deprecation-unused", Severity.WARNING),
    SQL_WITHOUT_DOWN("sql-without-down", Severity.ERROR),
    UNCHECKED_SQL("unchecked-sql", Severity.WARNING),
    NOT_NULL_WITHOUT_DEFAULT("not-null-without-default", Severity.ERROR),
    ALTER_NOT_NULL_WITHOUT_UP("alter-not-null-without-up", Severity.ERROR),
    ALTER_WITHOUT_UP_DOWN("alter-without-up-down", Severity.ERROR),
    DROP_COLUMN_WITHOUT_DOWN("drop-column-without-down", Severity.WARNING),
    VOLATILE_DEFAULT("volatile-default", Severity.WARNING),
    PREFER_BIGINT("prefer-bigint", Severity.WARNING),
    PREFER_TEXT("prefer-text", Severity.WARNING),
    PREFER_TIMESTAMPTZ("prefer-timestamptz", Severity.WARNING),
    REQUIRE_INDEX_FOR_FK("require-index-for-fk", Severity.WARNING),
    CROSS_TABLE_EXPRESSION("cross-table-expression", Severity.WARNING),
    IRREVERSIBLE_SQL("irreversible-sql", Severity.WARNING),
    MOVE_WITHOUT_REVERSE("move-without-reverse", Severity.WARNING),
    MOVE_VOLATILE_EXPRESSION("move-volatile-expression", Severity.WARNING);

    private final String id;
    private final Severity severity;

    LintRule(String id, Severity severity) {
        this.id = id;
        this.severity = severity;
    }

    String id() {
        return id;
    }

    LintFinding finding(SourceLocation location, String message) {
        return new LintFinding(severity, id, location, message);
    }
}
