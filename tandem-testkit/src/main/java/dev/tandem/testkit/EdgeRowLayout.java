package dev.tandem.testkit;

import dev.tandem.testkit.EdgeCaseRows.Column;
import dev.tandem.testkit.EdgeCaseRows.Row;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Lays the edge values out in rows. Column {@code c} cycles through its slots (NULL first when it is
 * nullable, then its edge values) from a random start, so that over as many rows as the longest
 * column has slots, every slot of every column appears; the random starts vary which values meet in
 * one row from seed to seed. One more row is NULL in every nullable column, and random rows follow.
 */
final class EdgeRowLayout {
    private static final int MAX_DRAWS = 1000;

    private final List<Column> columns;
    private final RandomGenerator random;
    private final Set<List<String>> keys = new HashSet<>();

    private EdgeRowLayout(List<Column> columns, RandomGenerator random) {
        this.columns = columns;
        this.random = random;
    }

    static List<Row> rows(List<Column> columns, int randomRows, RandomGenerator random) {
        return new EdgeRowLayout(columns, random).rows(randomRows);
    }

    private List<Row> rows(int randomRows) {
        List<List<String>> slots = columns.stream().map(EdgeRowLayout::slots).toList();
        int[] starts = slots.stream().mapToInt(s -> random.nextInt(s.size())).toArray();
        int edgeRows = slots.stream().mapToInt(List::size).max().orElse(0);
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < edgeRows; r++) {
            List<String> values = new ArrayList<>();
            for (int c = 0; c < columns.size(); c++) {
                values.add(slots.get(c).get((starts[c] + r) % slots.get(c).size()));
            }
            rows.add(new Row(uniqueKey(values)));
        }
        List<String> allNull = new ArrayList<>();
        for (Column c : columns) {
            allNull.add(c.nullable() ? null : draw(c));
        }
        rows.add(new Row(uniqueKey(allNull)));
        for (int r = 0; r < randomRows; r++) {
            List<String> values = new ArrayList<>();
            for (Column c : columns) {
                values.add(c.nullable() && random.nextInt(8) == 0 ? null : draw(c));
            }
            rows.add(new Row(uniqueKey(values)));
        }
        return rows;
    }

    private static List<String> slots(Column c) {
        List<String> slots = new ArrayList<>();
        if (c.nullable()) {
            slots.add(null);
        }
        slots.addAll(c.key() ? c.type().keyValues() : c.type().edgeValues());
        return slots;
    }

    /** An edge value a quarter of the time, an ordinary one otherwise. */
    private String draw(Column c) {
        List<String> edges = c.key() ? c.type().keyValues() : c.type().edgeValues();
        return random.nextInt(4) == 0
                ? edges.get(random.nextInt(edges.size()))
                : c.type().randomValue(random);
    }

    /**
     * {@code values} with a key no earlier row has: on a clash, the key parts are drawn again. A text
     * comparison is enough: the key values of a type are pairwise different in PostgreSQL too, and
     * random values are written the way PostgreSQL prints them (an upper-case edge uuid could meet its
     * lower-case random twin only with a chance of 2^-122).
     */
    private List<String> uniqueKey(List<String> values) {
        List<Integer> keyColumns = new ArrayList<>();
        for (int c = 0; c < columns.size(); c++) {
            if (columns.get(c).key()) {
                keyColumns.add(c);
            }
        }
        for (int attempt = 0; attempt < MAX_DRAWS; attempt++) {
            List<String> key = keyColumns.stream().map(values::get).toList();
            if (keys.add(key)) {
                return values;
            }
            for (int c : keyColumns) {
                values.set(c, columns.get(c).type().randomValue(random));
            }
        }
        throw new IllegalStateException("could not draw a unique key in " + MAX_DRAWS + " attempts; key columns "
                + keyColumns.stream().map(c -> columns.get(c).name()).toList()
                + " have too few values: add a key column with a wider type");
    }
}
