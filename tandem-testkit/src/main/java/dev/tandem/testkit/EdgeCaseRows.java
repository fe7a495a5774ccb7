package dev.tandem.testkit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A table of edge-case rows: its DDL and rows in which every edge value of every column's
 * {@link EdgeType} appears at least once, NULL appears in every nullable column (and one row is NULL
 * in all of them), and the primary key is a composite of mixed types whose parts are edge values too.
 * The same seed gives the same rows.
 *
 * <pre>{@code
 * EdgeCaseRows edge = EdgeCaseRows.builder()
 *         .table("edge")
 *         .key("k_text", EdgeType.TEXT, "C").key("k_int", EdgeType.INTEGER).key("k_uuid", EdgeType.UUID)
 *         .everyType()
 *         .random(new SplittableRandom(42))
 *         .build();
 * statement.execute(edge.createTableSql());
 * edge.insert(connection, edge.rows());
 * }</pre>
 *
 * <p>Values are in PostgreSQL's text input form, so they are exact: a float is never rounded through
 * Java. SQL text from this class assumes {@code standard_conforming_strings = on} (the default since
 * PostgreSQL 9.1). Immutable and thread-safe.
 */
public final class EdgeCaseRows {
    private final String table;
    private final List<Column> columns;
    private final List<Row> rows;

    private EdgeCaseRows(String table, List<Column> columns, List<Row> rows) {
        this.table = table;
        this.columns = List.copyOf(columns);
        this.rows = List.copyOf(rows);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** One column: key columns are NOT NULL; {@code collation} is null for the type's default. */
    public record Column(String name, EdgeType type, String collation, boolean nullable, boolean key) {
        public Column {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
        }

        /** The column's definition in CREATE TABLE. */
        public String definition() {
            return quote(name) + " " + type.sqlType() + (collation == null ? "" : " COLLATE " + quote(collation))
                    + (nullable ? "" : " NOT NULL");
        }
    }

    /** One row: a value per column, in {@link #columns()} order; null is SQL NULL. */
    public record Row(List<String> values) {
        public Row {
            values = Collections.unmodifiableList(new ArrayList<>(values));
        }

        public String value(int column) {
            return values.get(column);
        }
    }

    public String table() {
        return table;
    }

    /** The key columns first, then the others, in the order they were added. */
    public List<Column> columns() {
        return columns;
    }

    public List<Column> key() {
        return columns.stream().filter(Column::key).toList();
    }

    public Column column(String name) {
        return columns.stream()
                .filter(c -> c.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no column " + name + " in " + table));
    }

    public int indexOf(String column) {
        return columns.indexOf(column(column));
    }

    public List<Row> rows() {
        return rows;
    }

    /** {@code CREATE TABLE} with the composite primary key, unqualified: set the search_path first. */
    public String createTableSql() {
        return "CREATE TABLE " + quote(table) + " (\n  "
                + columns.stream().map(Column::definition).collect(Collectors.joining(",\n  "))
                + ",\n  PRIMARY KEY (" + names(key()) + ")\n)";
    }

    /** {@code 'value'::type}, or {@code NULL}. */
    public static String literal(Column column, String value) {
        return value == null
                ? "NULL"
                : "'" + value.replace("'", "''") + "'::" + column.type().sqlType();
    }

    /** One {@code INSERT} statement of literals for {@code rows}. */
    public String insertSql(List<Row> rows) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no rows to insert");
        }
        List<String> tuples = new ArrayList<>();
        for (Row row : rows) {
            List<String> literals = new ArrayList<>();
            for (int i = 0; i < columns.size(); i++) {
                literals.add(literal(columns.get(i), row.value(i)));
            }
            tuples.add("(" + String.join(", ", literals) + ")");
        }
        return "INSERT INTO " + quote(table) + " (" + names(columns) + ") VALUES\n  " + String.join(",\n  ", tuples);
    }

    /**
     * Inserts {@code rows} with one batched {@link PreparedStatement}, each value sent as text and
     * cast by the server, as {@link #insertSql} does. Throws what the driver throws.
     */
    public void insert(Connection connection, List<Row> rows) throws SQLException {
        String casts = columns.stream().map(c -> "?::" + c.type().sqlType()).collect(Collectors.joining(", "));
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO " + quote(table) + " (" + names(columns) + ") VALUES (" + casts + ")")) {
            for (Row row : rows) {
                for (int i = 0; i < columns.size(); i++) {
                    if (row.value(i) == null) {
                        insert.setNull(i + 1, Types.VARCHAR);
                    } else {
                        insert.setString(i + 1, row.value(i));
                    }
                }
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    /**
     * A query of {@code relation} that shows every value exactly, ordered by the key: floats with their
     * bits ({@code -0}, {@code NaN} and subnormals included), timestamptz in UTC, the rest as text.
     * Two relations hold the same values if and only if their exact queries return the same rows.
     */
    public String exactSelect(String relation) {
        return "SELECT "
                + columns.stream().map(c -> exact(quote(c.name()), c.type())).collect(Collectors.joining(", "))
                + " FROM " + relation + " ORDER BY " + names(key());
    }

    /**
     * {@code expression} (of type {@code type}) as exact text: the value and, for floats, its IEEE bits;
     * timestamptz in UTC, so the session's TimeZone does not matter. Null when the value is NULL.
     */
    public static String exact(String expression, EdgeType type) {
        return switch (type) {
            case REAL -> "(" + expression + ")::text || ' ' || encode(float4send(" + expression + "), 'hex')";
            case DOUBLE -> "(" + expression + ")::text || ' ' || encode(float8send(" + expression + "), 'hex')";
            case TIMESTAMPTZ -> "((" + expression + ") AT TIME ZONE 'UTC')::text || ' UTC'";
            default -> "(" + expression + ")::text";
        };
    }

    /** Quotes an identifier for PostgreSQL. */
    public static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    private static String names(List<Column> columns) {
        return columns.stream().map(c -> quote(c.name())).collect(Collectors.joining(", "));
    }

    /** Builds an {@link EdgeCaseRows}. Not thread-safe. */
    public static final class Builder {
        private String table;
        private final List<Column> keys = new ArrayList<>();
        private final List<Column> others = new ArrayList<>();
        private java.util.random.RandomGenerator random;
        private int randomRows;

        private Builder() {}

        /** The table's name, unqualified. Required. */
        public Builder table(String name) {
            this.table = requireName(name);
            return this;
        }

        /** Adds a primary key column; at least one is required. */
        public Builder key(String name, EdgeType type) {
            return key(name, type, null);
        }

        /** Adds a primary key column with a collation, such as {@code "C"}. */
        public Builder key(String name, EdgeType type, String collation) {
            if (!type.keyable()) {
                throw new IllegalArgumentException(type + " cannot be a key column: "
                        + Arrays.stream(EdgeType.values())
                                .filter(EdgeType::keyable)
                                .map(Enum::name)
                                .collect(Collectors.joining(", ", "use one of ", "")));
            }
            keys.add(new Column(requireName(name), type, collation, false, true));
            return this;
        }

        /** Adds a nullable column. */
        public Builder column(String name, EdgeType type) {
            return column(name, type, true);
        }

        public Builder column(String name, EdgeType type, boolean nullable) {
            others.add(new Column(requireName(name), Objects.requireNonNull(type, "type"), null, nullable, false));
            return this;
        }

        /** Adds a nullable column of every type, named {@code c_} and the type in lower case. */
        public Builder everyType() {
            for (EdgeType type : EdgeType.values()) {
                column("c_" + type.name().toLowerCase(java.util.Locale.ROOT), type);
            }
            return this;
        }

        /** The source of every random choice. Required: pass a seeded one, so failures reproduce. */
        public Builder random(java.util.random.RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** Ordinary rows to add after the edge rows (default 0). */
        public Builder randomRows(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("randomRows must be 0 or more, not " + count);
            }
            this.randomRows = count;
            return this;
        }

        public EdgeCaseRows build() {
            if (table == null) {
                throw new IllegalStateException("table(name) is required");
            }
            if (keys.isEmpty()) {
                throw new IllegalStateException("at least one key(name, type) is required");
            }
            if (random == null) {
                throw new IllegalStateException(
                        "random(generator) is required: pass a seeded one, such as new SplittableRandom(42)");
            }
            List<Column> all = new ArrayList<>(keys);
            all.addAll(others);
            long distinct = all.stream().map(Column::name).distinct().count();
            if (distinct != all.size()) {
                throw new IllegalStateException("column names must be unique: "
                        + all.stream().map(Column::name).toList());
            }
            return new EdgeCaseRows(table, all, EdgeRowLayout.rows(all, randomRows, random));
        }

        private static String requireName(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a name must not be null or blank");
            }
            return name;
        }
    }
}
