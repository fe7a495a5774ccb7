package dev.tandem.core;

import dev.tandem.core.Operation.AddColumn;
import dev.tandem.core.Operation.AlterColumn;
import dev.tandem.core.Operation.CreateTable;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Column types that are cheap to choose now and expensive to change later, after squawk's
 * prefer-bigint, prefer-text and prefer-timestamptz. They apply to new columns and type changes.
 */
final class TypeRules {
    private static final Set<String> SMALL_INTEGERS =
            Set.of("int", "integer", "int4", "serial", "serial4", "smallint", "int2", "smallserial", "serial2");
    private static final Pattern BOUNDED_TEXT = Pattern.compile(
            "(varchar|character varying)\\s*\\(\\s*\\d+\\s*\\)|(char|character|bpchar)(\\s*\\(\\s*\\d+\\s*\\))?");
    private static final Pattern TIMESTAMP = Pattern.compile("timestamp(\\s*\\(\\s*\\d+\\s*\\))?( without time zone)?");

    private TypeRules() {}

    static void check(Migration migration, List<LintFinding> findings) {
        for (Operation operation : migration.operations()) {
            switch (operation) {
                case CreateTable op -> {
                    for (ColumnSpec column : op.columns()) {
                        check(op.name() + "." + column.name(), column.type(), column.location(), findings);
                    }
                }
                case AddColumn op ->
                    check(
                            op.table() + "." + op.column().name(),
                            op.column().type(),
                            op.column().location(),
                            findings);
                case AlterColumn op -> {
                    if (op.type() != null) {
                        check(op.table() + "." + op.column(), op.type(), op.location(), findings);
                    }
                }
                default -> {
                    // no column type to check
                }
            }
        }
    }

    private static void check(String field, String type, SourceLocation at, List<LintFinding> findings) {
        String normalised = type.strip().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
        if (SMALL_INTEGERS.contains(normalised)) {
            findings.add(LintRule.PREFER_BIGINT.finding(
                    at,
                    field + " is " + normalised + ", which can run out of values; prefer bigint"
                            + (normalised.contains("serial") ? " (or bigserial)" : "")
                            + ", as widening it later means a full migration"));
        } else if (BOUNDED_TEXT.matcher(normalised).matches()) {
            findings.add(LintRule.PREFER_TEXT.finding(
                    at,
                    field + " is " + normalised + "; prefer text (with a check on length() if a limit matters),"
                            + " as changing the limit later rewrites or locks the table"));
        } else if (TIMESTAMP.matcher(normalised).matches()) {
            findings.add(LintRule.PREFER_TIMESTAMPTZ.finding(
                    at,
                    field + " is " + normalised + " (without time zone); prefer timestamptz, which stores an"
                            + " instant and does not depend on the session's time zone"));
        }
    }
}
