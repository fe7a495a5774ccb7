package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SqlTest {
    @Test
    void shouldQuoteIdentifiersAndLiterals() {
        assertThat(Sql.id("we\"ird")).isEqualTo("\"we\"\"ird\"");
        assertThat(Sql.id("public", "t")).isEqualTo("\"public\".\"t\"");
        assertThat(Sql.literal("it's")).isEqualTo("'it''s'");
    }

    @Test
    void shouldFindColumnReferencesButNotFunctionsTypesOrStrings() {
        assertThat(Sql.referencedColumns("split_part(name, ' ', 1) || 'email' || \"Email\"::text"))
                .containsExactly("name", "Email");
        assertThat(Sql.referencedColumns("CASE WHEN total IS NULL THEN 0 ELSE (total * 100)::bigint END"))
                .containsExactly("total");
    }

    @Test
    void shouldRenameOnlyColumnReferences() {
        assertThat(Sql.renameColumns("length(name) > 0 AND name <> 'name'", Map.of("name", "_tandem_new_name")))
                .isEqualTo("length(\"_tandem_new_name\") > 0 AND \"_tandem_new_name\" <> 'name'");
    }

    @Test
    void shouldBindColumnReferencesToARecordOrRefuseWhenUnsure() {
        assertThat(Sql.onRecord(
                        "split_part(name, ' ', 1) || id::text", "NEW", Map.of("name", "name", "id", "_tandem_new_id")))
                .contains("split_part(NEW.\"name\", ' ', 1) || NEW.\"_tandem_new_id\"::text");
        // `date` is a column here, but reads like a keyword: the caller must bind it another way.
        assertThat(Sql.onRecord("date + 1", "NEW", Map.of("date", "date"))).isEmpty();
    }

    @Test
    void shouldCutLongNamesToSixtyThreeBytesOnACharacterBoundary() {
        String cyrillic = "заказы_".repeat(10);
        String a = Sql.shortName("sync_0001_" + cyrillic + "_insert_old");
        String b = Sql.shortName("sync_0001_" + cyrillic + "_insert_new");
        assertThat(a.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(63);
        assertThat(a).isNotEqualTo(b);
        assertThat(Sql.shortName("short")).isEqualTo("short");
    }

    @Test
    void shouldFindStatementSeparatorsOnlyInCode() {
        assertThat(Sql.hasStatementSeparator("a || ';' || $$;$$ || \"x;y\" /* ; */"))
                .isFalse();
        assertThat(Sql.hasStatementSeparator("1; DROP TABLE t")).isTrue();
    }
}
