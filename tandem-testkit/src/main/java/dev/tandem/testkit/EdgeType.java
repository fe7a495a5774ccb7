package dev.tandem.testkit;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A PostgreSQL column type that {@link EdgeCaseRows} covers, with its edge values: the extremes of
 * its range, its special values and the inputs that are easy to get wrong.
 *
 * <p>Every value is in PostgreSQL's text input form (what {@code 'value'::type} accepts), never null;
 * SQL NULL is added by {@link EdgeCaseRows} to every nullable column. No value contains the character
 * NUL (U+0000): PostgreSQL's text types cannot store it ("invalid byte sequence for encoding UTF8:
 * 0x00"), so a NUL can never be a value a migration has to carry. A NUL byte is covered where it can
 * be stored: in {@code bytea}, and as the escape {@code \u0000} in {@code json}.
 *
 * <p>Values are accepted by PostgreSQL 15 and later. Left out on purpose: interval
 * {@code 'infinity'} (PostgreSQL 17 only), and lone UTF-16 surrogates (not encodable in UTF-8).
 */
public enum EdgeType {
    SMALLINT("smallint", true),
    INTEGER("integer", true),
    BIGINT("bigint", true),
    /** Unconstrained numeric: values up to 131072 digits before the point and 16383 after. */
    NUMERIC("numeric", false),
    REAL("real", false),
    DOUBLE("double precision", false),
    BOOLEAN("boolean", false),
    TEXT("text", true),
    DATE("date", true),
    TIMESTAMP("timestamp", true),
    TIMESTAMPTZ("timestamptz", false),
    TIME("time", false),
    TIMETZ("timetz", false),
    INTERVAL("interval", false),
    UUID("uuid", true),
    BYTEA("bytea", true),
    JSON("json", false),
    JSONB("jsonb", false),
    /** One column type for arrays of any dimension: PostgreSQL does not enforce the declared one. */
    INTEGER_ARRAY("integer[]", false),
    TEXT_ARRAY("text[]", false);

    private final String sqlType;
    private final boolean keyable;

    EdgeType(String sqlType, boolean keyable) {
        this.sqlType = sqlType;
        this.keyable = keyable;
    }

    /** The type as written in DDL, such as {@code double precision}. */
    public String sqlType() {
        return sqlType;
    }

    /**
     * Whether the type can be part of a generated primary key. A key type needs an equality whose
     * values the generator can keep apart by their text: numeric ({@code 1.0 = 1.00}), floats
     * ({@code 0 = -0}) and timestamptz (one instant, many zones) cannot promise that; json has no
     * equality at all.
     */
    public boolean keyable() {
        return keyable;
    }

    /** Every edge value of the type, in a fixed order; the same on every run. */
    public List<String> edgeValues() {
        return EdgeValues.of(this);
    }

    /** The edge values a primary key can hold: btree index entries must stay under 2704 bytes. */
    List<String> keyValues() {
        return edgeValues().stream().filter(v -> v.length() <= 200).toList();
    }

    /** An ordinary value of the type drawn from {@code random}, in the type's canonical text form. */
    String randomValue(RandomGenerator random) {
        return RandomValues.of(this, random);
    }
}
