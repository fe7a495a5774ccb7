package dev.tandem.core;

import dev.tandem.core.ConversionNote.Kind;
import dev.tandem.core.Node.Entry;
import dev.tandem.core.Node.ListNode;
import dev.tandem.core.Node.MapNode;
import dev.tandem.core.Node.Scalar;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Translates the tree of one pgroll migration into the tree of a tandem migration: the header, the
 * deprecations every drop and rename needs, and each operation through {@link PgrollFields}. What
 * makes the file no pgroll migration at all (not a map, no operations, an unknown operation) is a
 * problem; everything else is translated, and what changes on the way is a note.
 */
final class PgrollTranslator {
    static final List<String> HEADER = List.of("name", "operations", "version_schema");

    /** The translated file: its id and the tree to write. */
    record Translation(String id, Map<String, Object> tree) {}

    private final String source;
    private final Problems problems;
    private final List<ConversionNote> notes;

    private PgrollTranslator(String source, Problems problems, List<ConversionNote> notes) {
        this.source = source;
        this.problems = problems;
        this.notes = notes;
    }

    /** The translation, or null when {@code problems} says why the file cannot be translated. */
    static Translation translate(
            String source,
            Node root,
            String service,
            String owner,
            LocalDate sunset,
            Problems problems,
            List<ConversionNote> notes) {
        return new PgrollTranslator(source, problems, notes).translate(root, service, owner, sunset);
    }

    private Translation translate(Node root, String service, String owner, LocalDate sunset) {
        if (!(root instanceof MapNode header)) {
            problems.add(root.location(), "a pgroll migration must be a map, not " + root.description());
            return null;
        }
        for (Entry entry : header.entries().values()) {
            if (!HEADER.contains(entry.key())) {
                notes.add(new ConversionNote(
                        Kind.NOT_CARRIED,
                        entry.keyLocation(),
                        "left out " + Problems.quote(entry.key()) + ": a pgroll migration has no such field"
                                + Suggestions.didYouMean(entry.key(), HEADER)
                                + "; if it means something, write it into the tandem file by hand"));
            }
        }
        List<Entry> operations = operations(header);
        if (operations == null) {
            return null;
        }
        Map<String, Object> tree = new LinkedHashMap<>();
        String id = id(header);
        tree.put("id", id);
        tree.put("service", service);
        tree.put("owner", owner);
        tree.put("rationale", "Converted from pgroll migration " + fileName());
        if (header.entries().get("version_schema") instanceof Entry versionSchema) {
            tree.put("version_schema", FieldRules.plain(versionSchema.value()));
        }
        List<Object> deprecations = deprecations(operations, sunset);
        if (!deprecations.isEmpty()) {
            tree.put("deprecations", deprecations);
        }
        PgrollFields fields = new PgrollFields(notes);
        List<Object> translated = new ArrayList<>();
        for (Entry operation : operations) {
            Map<String, Object> body = fields.operation(operation.key(), (MapNode) operation.value());
            if (operation.key().equals("sql")) {
                markIrreversible(operation, body);
            }
            translated.add(Map.of(operation.key(), body));
        }
        fields.noteNotNullColumns();
        tree.put("operations", translated);
        return new Translation(id, tree);
    }

    /** Each operation as its one entry, or null when any is malformed (each problem is added). */
    private List<Entry> operations(MapNode header) {
        Entry entry = header.entries().get("operations");
        if (entry == null) {
            problems.add(header.location(), "a pgroll migration needs 'operations', a list of operations");
            return null;
        }
        if (!(entry.value() instanceof ListNode list)) {
            problems.add(
                    entry.value().location(),
                    "'operations' must be a list, not " + entry.value().description());
            return null;
        }
        List<Entry> operations = new ArrayList<>();
        boolean valid = true;
        for (Node item : list.items()) {
            Entry operation = operation(item);
            valid &= operation != null;
            operations.add(operation);
        }
        return valid ? operations : null;
    }

    private Entry operation(Node item) {
        if (!(item instanceof MapNode wrapper) || wrapper.entries().size() != 1) {
            problems.add(
                    item.location(),
                    "a pgroll operation is a map with one key naming it, such as add_column, not "
                            + (item instanceof MapNode m
                                    ? "a map with " + m.entries().size() + " keys"
                                    : item.description()));
            return null;
        }
        Entry entry = wrapper.entries().values().iterator().next();
        if (!PgrollFields.OPERATIONS.contains(entry.key())) {
            problems.add(
                    entry.keyLocation(),
                    "unknown pgroll operation " + Problems.quote(entry.key())
                            + Suggestions.didYouMean(entry.key(), PgrollFields.OPERATIONS)
                            + "; convert it by hand, or remove it and convert the rest");
            return null;
        }
        if (!(entry.value() instanceof MapNode)) {
            problems.add(
                    entry.value().location(),
                    "the fields of " + entry.key() + " must be a map, not "
                            + entry.value().description());
            return null;
        }
        return entry;
    }

    /** pgroll's 'name', or the file's name, made a valid tandem id. */
    private String id(MapNode header) {
        Entry name = header.entries().get("name");
        String given = name != null
                        && name.value() instanceof Scalar s
                        && s.text() != null
                        && !s.text().isBlank()
                ? s.text()
                : null;
        // like pgroll, a name that is null or empty is no name; one that is a map or list is a mistake
        if (name != null && !(name.value() instanceof Scalar)) {
            problems.add(
                    name.value().location(),
                    "'name' must be the migration's name, not " + name.value().description());
        }
        String original = given != null ? given : MigrationFiles.baseName(source);
        String id = sanitise(original);
        if (!id.equals(original)) {
            notes.add(new ConversionNote(
                    Kind.CHANGED,
                    given != null ? name.value().location() : header.location(),
                    (given != null ? "pgroll's name " : "the file's name ") + Problems.quote(original)
                            + " is not a tandem id ([a-z0-9_]+, at most " + MigrationReader.MAX_ID_LENGTH
                            + " characters); wrote id " + Problems.quote(id)));
        }
        return id;
    }

    /** Lowercase, each character outside [a-z0-9_] made '_', cut to the longest id tandem takes. */
    static String sanitise(String name) {
        String id = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        return id.length() > MigrationReader.MAX_ID_LENGTH ? id.substring(0, MigrationReader.MAX_ID_LENGTH) : id;
    }

    /** A deprecation for each field a drop or rename takes from the old shape, as DeprecationRules wants. */
    private List<Object> deprecations(List<Entry> operations, LocalDate sunset) {
        Set<String> fields = new LinkedHashSet<>();
        for (Entry operation : operations) {
            MapNode body = (MapNode) operation.value();
            String field =
                    switch (operation.key()) {
                        case "drop_column" -> qualified(body, "column");
                        case "rename_column" -> qualified(body, "from");
                        case "alter_column" -> FieldRules.text(body, "name") != null ? qualified(body, "column") : null;
                        case "drop_table" -> FieldRules.text(body, "name");
                        case "rename_table" -> FieldRules.text(body, "from");
                        default -> null;
                    };
            if (field != null && fields.add(field)) {
                notes.add(new ConversionNote(
                        Kind.CHANGED,
                        operation.keyLocation(),
                        "added the deprecation of " + field + " with sunset " + sunset + ": tandem needs one for"
                                + " every drop and rename, and 'complete' waits for its sunset; change the date to"
                                + " when no client uses " + field + " any more"));
            }
        }
        List<Object> deprecations = new ArrayList<>();
        for (String field : fields) {
            Map<String, Object> deprecation = new LinkedHashMap<>();
            deprecation.put("field", field);
            deprecation.put("sunset", sunset.toString());
            deprecations.add(deprecation);
        }
        return deprecations;
    }

    private static String qualified(MapNode body, String column) {
        String table = FieldRules.text(body, "table");
        String name = FieldRules.text(body, column);
        return table != null && name != null ? table + "." + name : null;
    }

    /**
     * pgroll runs the 'up' of an sql operation at start and its 'down', if any, on rollback; without
     * either 'down' or 'onComplete' (which defers 'up' to complete), rollback cannot undo it.
     */
    private void markIrreversible(Entry operation, Map<String, Object> body) {
        boolean onComplete = body.get("on_complete") instanceof Scalar s && "true".equalsIgnoreCase(s.text());
        if (!body.containsKey("down") && !onComplete) {
            body.put("irreversible", true);
            notes.add(new ConversionNote(
                    Kind.CHANGED,
                    operation.keyLocation(),
                    "sql has neither 'down' nor 'onComplete', so rollback cannot undo it; wrote 'irreversible: true'"
                            + " (write 'down' instead if the SQL can be reversed)"));
        }
    }

    private String fileName() {
        return source.substring(Math.max(source.lastIndexOf('/'), source.lastIndexOf('\\')) + 1);
    }
}
