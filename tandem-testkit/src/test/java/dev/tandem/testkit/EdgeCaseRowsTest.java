package dev.tandem.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.testkit.EdgeCaseRows.Column;
import dev.tandem.testkit.EdgeCaseRows.Row;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EdgeCaseRowsTest {

    static EdgeCaseRows everyType(long seed, int randomRows) {
        return EdgeCaseRows.builder()
                .table("edge")
                .key("k_text", EdgeType.TEXT, "C")
                .key("k_int", EdgeType.INTEGER)
                .key("k_uuid", EdgeType.UUID)
                .everyType()
                .random(new SplittableRandom(seed))
                .randomRows(randomRows)
                .build();
    }

    private static List<String> values(EdgeCaseRows edge, Column column) {
        int i = edge.columns().indexOf(column);
        return edge.rows().stream().map(r -> r.value(i)).toList();
    }

    @Test
    void shouldPutEveryEdgeValueOfEveryTypeInEachColumnOfThatType() {
        EdgeCaseRows edge = everyType(1, 0);

        for (Column c : edge.columns()) {
            List<String> expected = c.key() ? c.type().keyValues() : c.type().edgeValues();
            assertThat(values(edge, c)).as(c.name()).containsAll(expected);
        }
    }

    @Test
    void shouldPutNullInEveryNullableColumnAndHaveOneRowThatIsNullInAllOfThem() {
        EdgeCaseRows edge = everyType(2, 0);

        for (Column c : edge.columns()) {
            assertThat(values(edge, c)).as(c.name()).matches(v -> v.contains(null) == c.nullable());
        }
        assertThat(edge.rows())
                .anySatisfy(row -> assertThat(row.values().stream().filter(Objects::isNull))
                        .hasSize(edge.columns().size() - edge.key().size()));
    }

    @Test
    void shouldGiveTheSameRowsForTheSameSeedAndOtherRowsForAnother() {
        assertThat(everyType(42, 30).rows()).isEqualTo(everyType(42, 30).rows());
        assertThat(everyType(42, 30).rows()).isNotEqualTo(everyType(43, 30).rows());
    }

    @Test
    void shouldKeepTheCompositeKeyUniqueAndNeverNullThroughRandomRows() {
        EdgeCaseRows edge = EdgeCaseRows.builder()
                .table("edge")
                .key("k_date", EdgeType.DATE)
                .key("k_big", EdgeType.BIGINT)
                .key("k_text", EdgeType.TEXT, "C")
                .column("note", EdgeType.TEXT)
                .random(new SplittableRandom(7))
                .randomRows(2000)
                .build();

        Set<List<String>> keys = new HashSet<>();
        for (Row row : edge.rows()) {
            List<String> key = row.values().subList(0, 3);
            assertThat(key).doesNotContainNull();
            assertThat(keys.add(key)).as("key %s is unique", key).isTrue();
        }
        assertThat(edge.rows()).hasSizeGreaterThan(2000);
    }

    @Test
    void shouldCoverTheEdgesTheRelayAndVerificationRelyOn() {
        assertThat(EdgeType.SMALLINT.edgeValues()).contains("-32768", "32767");
        assertThat(EdgeType.INTEGER.edgeValues()).contains("-2147483648", "2147483647");
        assertThat(EdgeType.BIGINT.edgeValues()).contains("-9223372036854775808", "9223372036854775807");
        assertThat(EdgeType.NUMERIC.edgeValues())
                .contains("NaN", "Infinity", "-Infinity")
                .anyMatch(v -> v.length() > 100_000 && v.contains("."))
                .anyMatch(v -> v.startsWith("0.") && v.length() > 16_000);
        for (EdgeType floating : List.of(EdgeType.REAL, EdgeType.DOUBLE)) {
            assertThat(floating.edgeValues()).contains("NaN", "Infinity", "-Infinity", "-0");
        }
        assertThat(EdgeType.REAL.edgeValues()).contains("1.4e-45", "1.1754942e-38");
        assertThat(EdgeType.DOUBLE.edgeValues()).contains("4.9e-324", "2.225073858507201e-308");
        assertThat(EdgeType.BOOLEAN.edgeValues()).containsExactlyInAnyOrder("true", "false");
        assertThat(EdgeType.TEXT.edgeValues())
                .contains("", "\\", "line1\nline2", "tab\tseparated", "it's \"quoted\"", "\\N", "NULL")
                .anyMatch(v -> v.codePoints().anyMatch(cp -> cp > 0xFFFF)) // astral plane
                .anyMatch(v -> v.codePoints().anyMatch(cp -> Character.getType(cp) == Character.NON_SPACING_MARK))
                .anyMatch(v -> v.codePoints()
                        .anyMatch(cp -> Character.getDirectionality(cp) == Character.DIRECTIONALITY_RIGHT_TO_LEFT))
                .anyMatch(v ->
                        v.codePoints().anyMatch(cp -> Character.UnicodeScript.of(cp) == Character.UnicodeScript.HAN))
                .anyMatch(v -> v.getBytes(StandardCharsets.UTF_8).length > 8192
                        && v.chars().distinct().count() > 50);
        assertThat(EdgeType.DATE.edgeValues()).contains("4714-11-24 BC", "5874897-12-31", "infinity", "-infinity");
        assertThat(EdgeType.TIMESTAMP.edgeValues())
                .contains("4714-11-24 00:00:00 BC", "294276-12-31 23:59:59.999999", "infinity", "-infinity");
        assertThat(EdgeType.TIMESTAMPTZ.edgeValues())
                .contains("infinity", "-infinity")
                .anyMatch(v -> v.contains("America/New_York"))
                .anyMatch(v -> v.endsWith("+05:45"));
        assertThat(EdgeType.INTERVAL.edgeValues()).contains("2147483647 mons", "-2147483648 days");
        assertThat(EdgeType.BYTEA.edgeValues()).contains("\\x", "\\x00").anyMatch(v -> v.length() > 16_000);
        assertThat(EdgeType.JSON.edgeValues()).contains("null", "\"\\u0000\"").anyMatch(v -> v.contains("\\ud83d"));
        assertThat(EdgeType.JSONB.edgeValues()).doesNotContain("\"\\u0000\"").contains("{\"a\":1,\"a\":2}");
        assertThat(EdgeType.INTEGER_ARRAY.edgeValues()).contains("{}", "{NULL}", "{{1,2},{3,4}}", "[0:2]={7,8,9}");
        assertThat(EdgeType.TEXT_ARRAY.edgeValues()).contains("{}", "{NULL,\"NULL\",\"null\"}");
    }

    @Test
    void shouldNeverProduceTheNulCharacterThatPostgresTextCannotStore() {
        for (Row row : everyType(3, 200).rows()) {
            assertThat(row.values()).allMatch(v -> v == null || v.indexOf('\u0000') < 0);
        }
    }

    @Test
    void shouldWriteTheTableAndItsLiterals() {
        EdgeCaseRows edge = everyType(4, 0);

        assertThat(edge.createTableSql())
                .startsWith(
                        "CREATE TABLE \"edge\" (\n  \"k_text\" text COLLATE \"C\" NOT NULL,\n  \"k_int\" integer NOT NULL,")
                .contains("\"c_double\" double precision,\n")
                .endsWith("PRIMARY KEY (\"k_text\", \"k_int\", \"k_uuid\")\n)");
        assertThat(EdgeCaseRows.literal(edge.column("c_text"), "it's")).isEqualTo("'it''s'::text");
        assertThat(EdgeCaseRows.literal(edge.column("c_text"), null)).isEqualTo("NULL");
        assertThat(edge.insertSql(edge.rows().subList(0, 2))).startsWith("INSERT INTO \"edge\" (\"k_text\", ");
    }

    @Test
    void shouldRefuseAKeyTypeWhoseEqualityItCannotControlAndABuilderWithoutASeed() {
        assertThatThrownBy(() -> EdgeCaseRows.builder().key("k", EdgeType.REAL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("REAL cannot be a key column: use one of SMALLINT, INTEGER");
        assertThatThrownBy(() -> EdgeCaseRows.builder()
                        .table("t")
                        .key("k", EdgeType.INTEGER)
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("pass a seeded one");
        assertThatThrownBy(() -> EdgeCaseRows.builder()
                        .table("t")
                        .key("k", EdgeType.INTEGER)
                        .column("k", EdgeType.TEXT)
                        .random(new SplittableRandom(1))
                        .build())
                .hasMessageStartingWith("column names must be unique");
    }
}
