package dev.tandem.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class EdgeCaseRowsIT {
    EmbeddedPostgres.Database database;

    private static List<List<String>> rows(Connection c, String sql) throws SQLException {
        List<List<String>> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getString(i));
                }
                out.add(row);
            }
        }
        return out;
    }

    private static String value(Connection c, String sql) throws SQLException {
        return rows(c, sql).getFirst().getFirst();
    }

    @Test
    void shouldLoadTheSameValuesThroughLiteralsAndThroughPreparedStatements() throws SQLException {
        EdgeCaseRows edge = EdgeCaseRowsTest.everyType(11, 100);
        try (Connection c = database.dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA a; CREATE SCHEMA b");
            s.execute("SET search_path = a");
            s.execute(edge.createTableSql());
            s.execute(edge.insertSql(edge.rows()));
            s.execute("SET search_path = b");
            s.execute(edge.createTableSql());
            edge.insert(c, edge.rows());

            List<List<String>> viaLiterals = rows(c, edge.exactSelect("a.edge"));
            assertThat(viaLiterals).hasSize(edge.rows().size());
            assertThat(rows(c, edge.exactSelect("b.edge"))).isEqualTo(viaLiterals);
        }
    }

    @Test
    void shouldStoreTheEdgesItClaimsExactly() throws SQLException {
        EdgeCaseRows edge = EdgeCaseRowsTest.everyType(12, 0);
        try (Connection c = database.dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute(edge.createTableSql());
            edge.insert(c, edge.rows());

            assertThat(rows(c, "SELECT DISTINCT encode(float4send(c_real), 'hex') FROM edge ORDER BY 1"))
                    .flatExtracting(r -> r)
                    .contains("80000000", "00000001", "007fffff", "7fc00000", "7f800000", "ff800000");
            assertThat(rows(c, "SELECT DISTINCT encode(float8send(c_double), 'hex') FROM edge ORDER BY 1"))
                    .flatExtracting(r -> r)
                    .contains("8000000000000000", "0000000000000001", "000fffffffffffff");
            assertThat(value(c, "SELECT count(*) > 0 FROM edge WHERE c_bytea = '\\x00'"))
                    .isEqualTo("t");
            assertThat(value(c, "SELECT count(*) > 0 FROM edge WHERE c_text = '' AND c_text IS NOT NULL"))
                    .isEqualTo("t");
            assertThat(value(c, "SELECT count(*) > 0 FROM edge WHERE c_timestamp = '294276-12-31 23:59:59.999999'"))
                    .isEqualTo("t");
            assertThat(value(c, "SELECT count(*) > 0 FROM edge WHERE c_integer_array = '{{1,2},{3,4}}'"))
                    .isEqualTo("t");
            // The incompressible long text is stored as it is (not compressed), out of line in TOAST.
            assertThat(value(c, """
                    SELECT count(*) > 0 FROM edge
                    WHERE octet_length(c_text) > 8192 AND pg_column_size(c_text) >= octet_length(c_text)""")).isEqualTo("t");
            String toast = value(c, "SELECT reltoastrelid::regclass FROM pg_class WHERE oid = 'edge'::regclass");
            assertThat(value(c, "SELECT count(DISTINCT chunk_id) > 0 FROM " + toast))
                    .isEqualTo("t");
            assertThat(value(c, "SELECT count(*) > 0 FROM edge WHERE c_jsonb = '{\"a\": 2}'"))
                    .isEqualTo("t");
        }
    }
}
