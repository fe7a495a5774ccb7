package dev.tandem.relay;

import static dev.tandem.relay.RelayConvergenceIT.exec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.EmbeddedPostgres;
import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The copy's rows travel in binary only when every mapped expression has exactly its target
 * column's type, and that type means the same in binary on both servers; in text otherwise.
 */
class CopyFormatIT {
    static boolean binary(String sourceColumns, String targetColumns, Map<String, String> columns) throws Exception {
        EmbeddedPostgres.Database source = EmbeddedPostgres.newDatabase();
        EmbeddedPostgres.Database target = EmbeddedPostgres.newDatabase();
        exec(
                source.dataSource(),
                "CREATE DOMAIN cents AS bigint CHECK (VALUE >= 0);" + " CREATE TABLE t (id bigint PRIMARY KEY, "
                        + sourceColumns + ")");
        exec(
                target.dataSource(),
                "CREATE DOMAIN cents AS bigint CHECK (VALUE >= 0);" + " CREATE TABLE t (id bigint PRIMARY KEY, "
                        + targetColumns + ")");
        Map<String, String> all = new LinkedHashMap<>();
        all.put("id", "id");
        all.putAll(columns);
        MoveSpec m = new MoveSpec("0009_t", "public", "t", List.of("id"), "public", "t", all, List.of("id"));
        try (Connection src = source.dataSource().getConnection();
                Connection tgt = target.dataSource().getConnection()) {
            return CopyFormat.binary(src, tgt, m);
        }
    }

    @Test
    void shouldCopyInBinaryWhenEveryExpressionHasItsColumnsBuiltInType() throws Exception {
        assertThat(binary(
                        "total numeric(12,2), at timestamptz, tags text[], doc jsonb, n int",
                        "cents bigint, at timestamptz, tags text[], doc jsonb, n int",
                        Map.of("cents", "(total * 100)::bigint", "at", "at", "tags", "tags", "doc", "doc", "n", "n")))
                .isTrue();
    }

    @Test
    void shouldCopyInTextWhenAnExpressionsTypeDiffersFromItsColumns() throws Exception {
        assertThat(binary("n int", "n bigint", Map.of("n", "n"))).isFalse();
        assertThat(binary("at timestamptz", "at timestamp", Map.of("at", "at"))).isFalse();
        assertThat(binary("n bigint", "n cents", Map.of("n", "n")))
                .as("a domain")
                .isFalse();
    }

    @Test
    void shouldCopyInTextTheTypesWhoseBinaryFormMeansSomethingElseOnTheTarget() throws Exception {
        assertThat(binary("r regclass", "r regclass", Map.of("r", "r")))
                .as("an OID alias")
                .isFalse();
        assertThat(binary("r regtype[]", "r regtype[]", Map.of("r", "r"))).isFalse();
        assertThat(binary("x xml", "x xml", Map.of("x", "x"))).as("xml").isFalse();
        assertThat(binary("c cents", "c cents", Map.of("c", "c")))
                .as("a type of the store's own")
                .isFalse();
    }
}
