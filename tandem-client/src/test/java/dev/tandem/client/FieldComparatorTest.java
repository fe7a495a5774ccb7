package dev.tandem.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FieldComparatorTest {
    record Invoice(long id, BigDecimal total, String note) {}

    @Test
    void shouldReportEachDifferingFieldOfARow() throws Exception {
        var diffs = ShadowComparator.fields()
                .compare(
                        Map.of("id", 1, "name", "Ann", "city", "Oslo"),
                        Map.of("id", 1L, "name", "Anne", "city", "Oslo"));
        assertThat(diffs).containsExactly(new FieldDiff("name", "Ann", "Anne"));
    }

    @Test
    void shouldIgnoreFieldsAndAllowNumericTolerances() throws Exception {
        ShadowComparator c = ShadowComparator.fields(Set.of("updated_at"), Map.of("total", 0.01));
        assertThat(c.compare(
                        new Invoice(1, new BigDecimal("10.004"), "x"), new Invoice(1, new BigDecimal("10.00"), "x")))
                .isEmpty();
        assertThat(c.compare(Map.of("updated_at", 1, "total", 5), Map.of("updated_at", 2, "total", 5.0)))
                .isEmpty();
        assertThat(c.compare(Map.of("total", 5), Map.of("total", 5.5)))
                .containsExactly(new FieldDiff("total", "5", "5.5"));
    }

    @Test
    void shouldCompareListsOfRowsByPosition() throws Exception {
        var diffs = ShadowComparator.fields()
                .compare(
                        List.of(Map.of("id", 1), Map.of("id", 2)),
                        List.of(Map.of("id", 1), Map.of("id", 3), Map.of("id", 4)));
        assertThat(diffs).containsExactly(new FieldDiff("#rows", "2", "3"), new FieldDiff("[1].id", "2", "3"));
    }
}
