package dev.tandem.core;

import dev.tandem.core.ConversionNote.Kind;
import dev.tandem.core.Node.Entry;
import dev.tandem.core.Node.ListNode;
import dev.tandem.core.Node.MapNode;
import dev.tandem.core.Node.Scalar;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Builds a tandem map from a pgroll map, key by key in the source's order, by a rule per known key;
 * an unknown key is left out with a note. What each rule does with its key is up to {@link
 * PgrollFields}, which knows pgroll's vocabulary.
 */
final class FieldRules {
    /** One pgroll field: puts what it becomes, if anything, into the tandem map being built. */
    @FunctionalInterface
    interface Rule {
        void apply(Entry entry, String context, Map<String, Object> out);
    }

    private final List<ConversionNote> notes;

    FieldRules(List<ConversionNote> notes) {
        this.notes = notes;
    }

    /** Applies {@code rules} to each entry of {@code map} in its order; an unknown key is left out, noted. */
    Map<String, Object> struct(MapNode map, String context, Rules rules) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Entry entry : map.entries().values()) {
            Rule rule = rules.get(entry.key());
            if (rule == null) {
                notes.add(new ConversionNote(
                        Kind.NOT_CARRIED,
                        entry.keyLocation(),
                        "left out " + Problems.quote(entry.key()) + " of " + context + ": pgroll has no such field"
                                + Suggestions.didYouMean(entry.key(), rules.keys())
                                + "; if it means something, write it into the tandem file by hand"));
            } else if ((entry.key().equals("up") || entry.key().equals("down"))
                    && entry.value() instanceof Scalar s
                    && s.text() != null
                    && s.text().isBlank()) {
                changed(
                        entry,
                        "left out the empty '" + entry.key() + "' of " + context + ", which pgroll reads as none");
            } else {
                rule.apply(entry, context, out);
            }
        }
        return out;
    }

    Rule notCarried(String advice) {
        return (entry, context, out) -> notes.add(new ConversionNote(
                Kind.NOT_CARRIED,
                entry.keyLocation(),
                "left out " + Problems.quote(entry.key()) + " of " + context + ": " + advice));
    }

    void changed(Entry entry, String message) {
        notes.add(new ConversionNote(Kind.CHANGED, entry.keyLocation(), message));
    }

    static Rule renamed(String to) {
        return (entry, context, out) -> out.put(to, plain(entry.value()));
    }

    static Rule map(Function<MapNode, Object> inner) {
        return (entry, context, out) ->
                out.put(entry.key(), entry.value() instanceof MapNode m ? inner.apply(m) : plain(entry.value()));
    }

    static Rule list(Function<MapNode, Object> inner) {
        return (entry, context, out) -> out.put(
                entry.key(),
                entry.value() instanceof ListNode l
                        ? l.items().stream()
                                .map(item -> item instanceof MapNode m ? inner.apply(m) : plain(item))
                                .toList()
                        : plain(entry.value()));
    }

    /** The value as it was read, for the writer: maps, lists and scalars that keep their kind. */
    static Object plain(Node node) {
        return switch (node) {
            case MapNode map -> {
                Map<String, Object> out = new LinkedHashMap<>();
                map.entries().values().forEach(e -> out.put(e.key(), plain(e.value())));
                yield out;
            }
            case ListNode list -> list.items().stream().map(FieldRules::plain).toList();
            case Scalar scalar -> scalar;
        };
    }

    /** The text of a scalar field, or null. */
    static String text(MapNode map, String key) {
        return map.entries().get(key) instanceof Entry e && e.value() instanceof Scalar s ? s.text() : null;
    }

    /** Puts {@code key} right after {@code after} (or last), keeping the order of the rest. */
    static void putAfter(Map<String, Object> map, String after, String key, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(map);
        map.clear();
        copy.forEach((k, v) -> {
            map.put(k, v);
            if (k.equals(after)) {
                map.put(key, value);
            }
        });
        map.putIfAbsent(key, value);
    }

    static Rules fields(String... carried) {
        Rules rules = new Rules(new LinkedHashMap<>());
        for (String name : carried) {
            rules.with(name);
        }
        return rules;
    }

    /** The rule of each known field; a field with no rule of its own is carried as it is. */
    record Rules(Map<String, Rule> byKey) {
        Rules with(String key) {
            return with(key, (entry, context, out) -> out.put(entry.key(), plain(entry.value())));
        }

        Rules with(String key, Rule rule) {
            byKey.put(key, rule);
            return this;
        }

        Rule get(String key) {
            return byKey.get(key);
        }

        Set<String> keys() {
            return byKey.keySet();
        }
    }
}
