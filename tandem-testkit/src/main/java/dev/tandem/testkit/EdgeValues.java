package dev.tandem.testkit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The edge values of each {@link EdgeType}, built once. Values that must not compress (so that
 * PostgreSQL stores them out of line, in TOAST) come from a fixed seed, so the catalogue is the same
 * on every run whatever generator the caller injects.
 */
final class EdgeValues {
    /** Characters past one 8 kB page, whatever their encoding: PostgreSQL must TOAST them. */
    static final int LONG = 12_000;

    private static final Map<EdgeType, List<String>> VALUES = build();

    private EdgeValues() {}

    static List<String> of(EdgeType type) {
        return VALUES.get(type);
    }

    private static Map<EdgeType, List<String>> build() {
        SplittableRandom fixed = new SplittableRandom(0x7a4d3e);
        Map<EdgeType, List<String>> m = new EnumMap<>(EdgeType.class);
        m.put(EdgeType.SMALLINT, List.of("-32768", "32767", "0", "-1", "1"));
        m.put(EdgeType.INTEGER, List.of("-2147483648", "2147483647", "0", "-1", "1"));
        m.put(
                EdgeType.BIGINT,
                List.of(
                        "-9223372036854775808",
                        "9223372036854775807",
                        "0",
                        "-1",
                        // 2^53 + 1: the first integer a double (and JavaScript) cannot hold
                        "9007199254740993"));
        m.put(
                EdgeType.NUMERIC,
                List.of(
                        "0",
                        "-0.0",
                        "1.000", // the scale is part of the value: it prints as 1.000
                        "NaN",
                        "Infinity",
                        "-Infinity",
                        "123456789012345678901234567890.123456789012345678901234567890",
                        "9".repeat(1000) + "." + "9".repeat(1000),
                        // the largest magnitude and the smallest step unconstrained numeric holds
                        "-" + "9".repeat(131_072) + "." + "9".repeat(16_383),
                        "0." + "0".repeat(16_382) + "1"));
        m.put(
                EdgeType.REAL,
                List.of(
                        "NaN",
                        "Infinity",
                        "-Infinity",
                        "-0",
                        "0",
                        "1.4e-45", // the smallest subnormal
                        "1.1754942e-38", // the largest subnormal
                        "1.17549435e-38", // the smallest normal
                        "3.4028235e+38",
                        "-3.4028235e+38",
                        "0.1",
                        "16777217")); // rounds to 16777216 on input: 2^24 + 1 has no float
        m.put(
                EdgeType.DOUBLE,
                List.of(
                        "NaN",
                        "Infinity",
                        "-Infinity",
                        "-0",
                        "0",
                        "4.9e-324",
                        "2.225073858507201e-308",
                        "2.2250738585072014e-308",
                        "1.7976931348623157e+308",
                        "-1.7976931348623157e+308",
                        "0.1",
                        "9007199254740993"));
        m.put(EdgeType.BOOLEAN, List.of("true", "false"));
        m.put(EdgeType.TEXT, text(fixed));
        m.put(
                EdgeType.DATE,
                List.of(
                        "4714-11-24 BC", // the first day: Julian day 0
                        "5874897-12-31", // the last day
                        "infinity",
                        "-infinity",
                        "0001-12-31 BC", // year 0 of astronomers
                        "0001-01-01",
                        "1582-10-10", // lost in the Julian-to-Gregorian switch; PostgreSQL is proleptic
                        "1970-01-01",
                        "2000-01-01", // PostgreSQL's own epoch
                        "2000-02-29",
                        "9999-12-31",
                        "10000-01-01"));
        m.put(
                EdgeType.TIMESTAMP,
                List.of(
                        "4714-11-24 00:00:00 BC",
                        "294276-12-31 23:59:59.999999",
                        "infinity",
                        "-infinity",
                        "0001-01-01 00:00:00",
                        "1970-01-01 00:00:00",
                        "1999-12-31 23:59:59.999999",
                        "2000-01-01 00:00:00",
                        "2024-02-29 12:34:56.789012",
                        "2038-01-19 03:14:08")); // one second past the 32-bit Unix time
        m.put(
                EdgeType.TIMESTAMPTZ,
                List.of(
                        "4714-11-24 00:00:00+00 BC",
                        "294276-12-31 23:59:59.999999+00",
                        "infinity",
                        "-infinity",
                        "2000-01-01 00:00:00+00",
                        "1970-01-01 00:00:00.000001+00",
                        "2024-03-10 02:30:00 America/New_York", // in the spring-forward gap
                        "2024-11-03 01:30:00 America/New_York", // twice in the fall-back hour
                        "2024-06-01 12:00:00+14",
                        "2024-06-01 12:00:00-12",
                        "2024-06-01 12:00:00+05:45",
                        "1883-11-18 11:00:00 America/Chicago")); // local mean time, seconds offset
        m.put(EdgeType.TIME, List.of("00:00:00", "23:59:59.999999", "24:00:00", "12:00:00.5"));
        m.put(EdgeType.TIMETZ, List.of("00:00:00+15:59", "24:00:00-15:59", "12:00:00+00", "23:59:59.999999+05:45"));
        m.put(
                EdgeType.INTERVAL,
                List.of(
                        "00:00:00",
                        "2147483647 mons",
                        "-2147483648 mons",
                        "2147483647 days",
                        "-2147483648 days",
                        "2562047788:00:54.775807",
                        "-2562047788:00:54.775807",
                        "1 mon -1 days +00:00:00.000001", // mixed signs
                        "-00:00:00.000001"));
        m.put(
                EdgeType.UUID,
                List.of(
                        "00000000-0000-0000-0000-000000000000",
                        "ffffffff-ffff-ffff-ffff-ffffffffffff",
                        "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", // upper case in, lower case out
                        "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}", // braces
                        "a0eebc999c0b4ef8bb6d6bb9bd380a12", // no hyphens
                        "01890a5d-ac96-774b-bcce-b302099a8057")); // version 7
        m.put(EdgeType.BYTEA, bytea(fixed));
        m.put(EdgeType.JSON, json(true));
        m.put(EdgeType.JSONB, json(false));
        m.put(
                EdgeType.INTEGER_ARRAY,
                List.of(
                        "{}",
                        "{NULL}",
                        "{1,NULL,-2147483648,2147483647}",
                        "{{1,2},{3,4}}",
                        "{{{1}},{{2}}}",
                        "{{NULL,NULL},{NULL,NULL}}",
                        "[0:2]={7,8,9}", // lower bound 0, not 1
                        "[-2:-1]={1,2}"));
        m.put(
                EdgeType.TEXT_ARRAY,
                List.of(
                        "{}",
                        "{\"\"}",
                        "{NULL,\"NULL\",\"null\"}", // a NULL element and two strings that look like one
                        "{\"a,b\",\"c\\\"d\",\"e\\\\f\",\"{}\",\" spaced \"}",
                        "{\"漢字\",\"😀\",\"e\u0301\"}",
                        "{{\"a\",\"b\"},{\"c\",NULL}}"));
        m.replaceAll((type, values) -> List.copyOf(values));
        return Collections.unmodifiableMap(m);
    }

    private static List<String> text(SplittableRandom fixed) {
        List<String> t = new ArrayList<>(List.of(
                "", // empty, not NULL
                " ",
                "plain",
                "漢字かなカナ한국어", // CJK
                "😀🎉👍🏽", // astral plane, with a skin-tone modifier
                "👨‍👩‍👧‍👦", // one grapheme of seven code points joined by ZWJ
                "🇺🇳", // a flag: two regional indicators
                "e\u0301", // e + combining acute: equal to the next one only after normalisation
                "\u00e9",
                "Z\u0351\u0360\u0361a\u0308lgo", // stacked combining marks
                "שלום עולם", // right to left
                "مرحبا بالعالم",
                "abc\u202Edef", // right-to-left override in the middle
                "\u200B", // zero-width space alone
                "\uFEFF", // a byte order mark
                "\uFFFD\uFFFF", // the replacement character and a noncharacter
                "\uDBFF\uDFFF", // U+10FFFF, the last code point
                "  leading and trailing  ",
                "it's \"quoted\"",
                "''",
                "\\",
                "C:\\path\\to\\new", // backslashes that look like escapes
                "\\N", // COPY's NULL marker
                "NULL",
                "null",
                "line1\nline2",
                "crlf\r\nend",
                "tab\tseparated",
                "\u0001\u001f\u007f", // control characters (all but NUL)
                "$tandem$ $$ dollar quotes",
                "%s %d {} ${x}",
                "'); DROP TABLE t; --",
                "x".repeat(LONG))); // compresses: TOASTed inline
        t.add(incompressible(fixed)); // does not compress: TOASTed out of line
        return t;
    }

    /** Mixed scripts in random order: about 20 kB of UTF-8 that pglz cannot shrink. */
    private static String incompressible(SplittableRandom fixed) {
        String pool = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:'\"\\/-_"
                + "éüßøå漢字かなカナ한국어שלוםمرحبا";
        StringBuilder s = new StringBuilder();
        while (s.length() < LONG) {
            if (fixed.nextInt(50) == 0) {
                s.append("😀"); // an astral code point now and then
            } else {
                s.append(pool.charAt(fixed.nextInt(pool.length())));
            }
        }
        return s.toString();
    }

    private static List<String> bytea(SplittableRandom fixed) {
        byte[] every = new byte[256];
        for (int i = 0; i < every.length; i++) {
            every[i] = (byte) i;
        }
        byte[] noise = new byte[LONG];
        fixed.nextBytes(noise);
        HexFormat hex = HexFormat.of();
        return List.of(
                "\\x", // empty, not NULL
                "\\x00",
                "\\x0000",
                "\\x00ff00ff",
                "abc\\000def", // the escape input format, with a NUL byte
                "\\x" + hex.formatHex(every),
                "\\x" + hex.formatHex(noise));
    }

    private static List<String> json(boolean json) {
        List<String> j = new ArrayList<>(List.of(
                "{}",
                "[]",
                "null", // JSON null, not SQL NULL
                "\"\"",
                "0",
                "-0",
                "1e400", // beyond a double
                "{\"a\":{\"b\":[1,2,{\"c\":null}]},\"d\":[[],[{}]]}",
                "[".repeat(200) + "]".repeat(200),
                "\"\\u00e9\\ud83d\\ude00 \\\" \\\\ \\/ \\b\\f\\n\\r\\t\"", // escapes, a surrogate pair
                "{\"a\":1,\"a\":2}", // json keeps both, jsonb the last
                " { \"spaced\" : [ 1 , 2 ] } ", // json keeps the spaces
                "{\"漢字\":\"😀\",\"rtl\":\"שלום\"}"));
        if (json) {
            j.add("\"\\u0000\""); // json stores the escape as written; jsonb refuses it
        }
        return j;
    }
}
