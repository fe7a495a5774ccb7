package dev.tandem.verify;

import dev.tandem.postgres.Sql;

/**
 * One compared column, by its name and type on the new side: both sides are projected to this type
 * (the mapping's own cast, so that a scale or a timestamp precision the new side fixes is shared), and
 * then made canonical for hashing. A type PostgreSQL cannot hash ({@code json}, {@code xml}, geometric
 * types) is hashed as its text ({@code asText}).
 */
record Column(String name, String type, boolean asText) {
    Column(String name, String type) {
        this(name, type, false);
    }

    boolean floating() {
        return type.equals("double precision") || type.equals("real");
    }

    /**
     * The column's value made canonical, from {@code value} (already of this type): text compared byte
     * for byte (the "C" collation, whatever the column's), and a numeric without a declared scale kept
     * with its scale, so that 1.50 and 1.5 are equal only when the type fixes the scale.
     */
    String canonical(String value) {
        if (asText) {
            return "(" + value + ")::text COLLATE \"C\"";
        }
        if (type.equals("numeric")) {
            return value + ", scale(" + value + ")";
        }
        if (type.equals("text") || type.startsWith("character") || type.equals("citext")) {
            return "(" + value + ") COLLATE \"C\"";
        }
        return value;
    }

    String cast(String expression) {
        return "CAST((" + expression + ") AS " + type + ")";
    }

    String quoted() {
        return Sql.id(name);
    }
}
