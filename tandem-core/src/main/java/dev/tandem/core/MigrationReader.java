package dev.tandem.core;

import dev.tandem.core.Node.ListNode;
import dev.tandem.core.Node.MapNode;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Turns the root {@link Node} of a migration file into a {@link Migration}, collecting problems. */
final class MigrationReader {
    static final List<String> FIELDS = List.of(
            "id",
            "service",
            "owner",
            "rationale",
            "affects",
            "performance",
            "schema",
            "version_schema",
            "deprecations",
            "verify",
            "operations");
    static final List<String> DEPRECATION_FIELDS = List.of("field", "sunset");
    static final int MAX_ID_LENGTH = 40;

    private static final Pattern ID = Pattern.compile("[a-z0-9_]+");
    private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]*");
    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

    private final Problems problems;
    private final String defaultId;

    private MigrationReader(Problems problems, String defaultId) {
        this.problems = problems;
        this.defaultId = defaultId;
    }

    /**
     * The migration read from {@code root}; its fields may be null or partial when problems were
     * found, so callers throw before using it.
     */
    static Migration read(Node root, String source, String text, String checksum, Problems problems) {
        MapNode map = Fields.asMap(root, "a migration", problems);
        if (map == null) {
            return null;
        }
        return new MigrationReader(problems, MigrationFiles.baseName(source))
                .read(Fields.of(map, "migration", FIELDS, problems), source, text, checksum);
    }

    private Migration read(Fields f, String source, String text, String checksum) {
        String id = id(f);
        String schema = schema(f);
        String versionSchema = versionSchema(f, schema);
        if (versionSchema == null
                && !f.has("version_schema")
                && id != null
                && schema != null
                && (schema + "_" + id).length() > Fields.MAX_IDENTIFIER_BYTES) {
            problems.add(
                    f.at("id"),
                    "the version schema name " + Problems.quote(schema + "_" + id) + " would be longer than "
                            + Fields.MAX_IDENTIFIER_BYTES + " bytes; shorten the id, or name it with 'version_schema'");
        }
        String service = f.string("service", true);
        String owner = f.string("owner", true);
        String rationale = f.string("rationale", true);
        List<String> affects = f.strings("affects", false, false);
        String performance = f.string("performance", false);
        List<Deprecation> deprecations = deprecations(f);
        VerifySpec verify = new VerifyReader(problems).read(f);
        List<Operation> operations = operations(f);
        OperationConflicts.check(operations, problems);
        return new Migration(
                id,
                service,
                owner,
                rationale,
                affects,
                performance,
                schema,
                versionSchema,
                deprecations,
                verify,
                operations,
                source,
                text,
                checksum);
    }

    private String id(Fields f) {
        if (f.has("id")) {
            String id = f.string("id", true);
            if (id != null) {
                checkId(id, f.at("id"), "id " + Problems.quote(id), "");
            }
            return id;
        }
        checkId(
                defaultId,
                f.location(),
                "id " + Problems.quote(defaultId) + " (taken from the file name, as the file has no 'id')",
                "; add an 'id' field or rename the file");
        return defaultId;
    }

    private void checkId(String id, SourceLocation at, String what, String advice) {
        if (!ID.matcher(id).matches()) {
            problems.add(at, what + " must match [a-z0-9_]+ (lowercase letters, digits, underscores)" + advice);
        } else if (id.length() > MAX_ID_LENGTH) {
            problems.add(
                    at,
                    what + " is " + id.length() + " characters long; at most " + MAX_ID_LENGTH + " are allowed"
                            + advice);
        }
    }

    private String schema(Fields f) {
        if (!f.has("schema")) {
            return "public";
        }
        String schema = f.string("schema", true);
        if (schema != null && !SCHEMA.matcher(schema).matches()) {
            f.problem("schema", "schema " + Problems.quote(schema) + " must match [a-z_][a-z0-9_]*");
        } else {
            Fields.checkIdentifier(schema, f.at("schema"), problems);
        }
        return schema;
    }

    /** The file's own name for its version schema; null when absent or invalid. */
    private String versionSchema(Fields f, String schema) {
        if (!f.has("version_schema")) {
            return null;
        }
        String name = f.string("version_schema", true);
        if (name == null) {
            return null;
        }
        if (!SCHEMA.matcher(name).matches()) {
            f.problem("version_schema", "version_schema " + Problems.quote(name) + " must match [a-z_][a-z0-9_]*");
            return null;
        }
        if (name.equals(schema)
                || name.startsWith("pg_")
                || name.equals("tandem")
                || name.equals("information_schema")) {
            f.problem(
                    "version_schema",
                    "version_schema " + Problems.quote(name) + " would replace a schema tandem must not touch; choose"
                            + " a name of its own, such as " + schema + "_v2");
            return null;
        }
        Fields.checkIdentifier(name, f.at("version_schema"), problems);
        return name;
    }

    private List<Deprecation> deprecations(Fields f) {
        ListNode list = f.list("deprecations", false);
        if (list == null) {
            return List.of();
        }
        List<Deprecation> deprecations = new ArrayList<>();
        Map<String, SourceLocation> seen = new HashMap<>();
        for (Node item : list.items()) {
            MapNode map = Fields.asMap(item, "a deprecation", problems);
            if (map == null) {
                continue;
            }
            Fields d = Fields.of(map, "deprecation", DEPRECATION_FIELDS, problems);
            String field = field(d);
            LocalDate sunset = sunset(d);
            if (field != null) {
                SourceLocation first = seen.putIfAbsent(field, d.at("field"));
                if (first != null) {
                    d.problem(
                            "field",
                            "deprecation of " + Problems.quote(field) + " is listed twice (first at " + first + ")");
                }
            }
            deprecations.add(new Deprecation(field, sunset, map.location()));
        }
        return deprecations;
    }

    /** {@code table} or {@code table.column}. */
    private String field(Fields d) {
        String field = d.string("field", true);
        if (field == null) {
            return null;
        }
        String[] parts = field.split("\\.", -1);
        if (parts.length > 2) {
            d.problem("field", "field " + Problems.quote(field) + " must be 'table.column' or 'table'");
            return field;
        }
        for (String part : parts) {
            if (part.isEmpty()) {
                d.problem("field", "field " + Problems.quote(field) + " must be 'table.column' or 'table'");
                return field;
            }
            Fields.checkIdentifier(part, d.at("field"), problems);
        }
        return field;
    }

    private LocalDate sunset(Fields d) {
        String text = d.string("sunset", true);
        if (text == null) {
            return null;
        }
        try {
            if (DATE.matcher(text).matches()) {
                return LocalDate.parse(text);
            }
        } catch (DateTimeException e) {
            // reported below, with the expected format
        }
        d.problem(
                "sunset", "sunset " + Problems.quote(text) + " must be a date written YYYY-MM-DD, such as 2027-03-01");
        return null;
    }

    private List<Operation> operations(Fields f) {
        ListNode list = f.list("operations", true);
        if (list == null) {
            return List.of();
        }
        OperationReader reader = new OperationReader(problems);
        List<Operation> operations = new ArrayList<>();
        for (Node item : list.items()) {
            Operation operation = reader.read(item);
            if (operation != null) {
                operations.add(operation);
            }
        }
        return operations;
    }
}
