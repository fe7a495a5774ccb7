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
}
