package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A project's history written in pgroll's format (JSON and YAML, in {@code pgroll-corpus/}), using
 * every pgroll operation and option tandem takes, chained on the same tables. {@code tandem convert}
 * turns it into tandem files, {@code tandem migrate --complete} applies them all, and the final
 * catalog is what the migrations say ({@code pgroll-corpus-expected.txt}, one line per column,
 * constraint, index, comment and replica identity, each checked against the migrations by hand).
 */
class PgrollCorpusIT {
    @TempDir
    Path dir;

    @Test
    void shouldConvertAndMigrateAPgrollProjectToTheCatalogItDescribes() throws Exception {
        Path corpus = corpus();
        try (Stream<Path> files = Files.list(corpus)) {
            assertThat(files.count()).isGreaterThanOrEqualTo(40);
        }
        Path out = dir.resolve("tandem");
        CliRun convert = CliRun.of(
                "convert",
                "--from",
                "pgroll",
                corpus.toString(),
                "--out",
                out.toString(),
                "--service",
                "blog",
                "--owner",
                "team-blog",
                "--sunset",
                "2020-01-01");
        assertThat(convert.exitCode()).as(convert.out() + convert.err()).isZero();

        EmbeddedPostgres.Database db = EmbeddedPostgres.newDatabase();
        CliRun migrate = CliRun.of("migrate", out.toString(), "--url", db.jdbcUrl(), "--user", db.user(), "--complete");
        assertThat(migrate.exitCode()).as(migrate.out() + migrate.err()).isZero();

        assertThat(catalog(db)).isEqualTo(expected());
        // the data went through every step: seeded rows, renamed, computed and converted columns
        assertThat(query(db, "SELECT count(*), count(DISTINCT handle), min(age), max(age) FROM users"))
                .containsExactly("300|300|20|69");
        assertThat(query(
                        db,
                        "SELECT count(*) FILTER (WHERE title = 'Untitled'), count(*) FILTER (WHERE author_in_team)"
                                + " FROM posts"))
                .containsExactly("120|600");
        assertThat(query(db, "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'public\\_%'"))
                .containsExactly("0");

        // a second run finds nothing to do
        CliRun again = CliRun.of("migrate", out.toString(), "--url", db.jdbcUrl(), "--user", db.user(), "--complete");
        assertThat(again.exitCode()).as(again.out() + again.err()).isZero();
        assertThat(catalog(db)).isEqualTo(expected());
    }

    private static Path corpus() throws URISyntaxException {
        return Path.of(PgrollCorpusIT.class.getResource("/pgroll-corpus").toURI());
    }

    private static String expected() throws IOException {
        try (InputStream in = PgrollCorpusIT.class.getResourceAsStream("/pgroll-corpus-expected.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
    }

    /** Every table of schema public as the catalog holds it, one fact per line, in a stable order. */
    static String catalog(EmbeddedPostgres.Database db) throws SQLException {
        return String.join("\n", query(db, """
                SELECT 'table ' || c.relname || ' replica identity ' || c.relreplident::text
                       || coalesce(' using ' || (SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                                                 WHERE x.indrelid = c.oid AND x.indisreplident), '')
                       || coalesce(' comment ' || obj_description(c.oid, 'pg_class'), '')
                FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
                UNION ALL
                SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
                       || CASE a.attidentity WHEN 'a' THEN ' identity always' WHEN 'd' THEN ' identity by default' ELSE '' END
                       || CASE a.attgenerated WHEN 's' THEN ' generated stored' ELSE '' END
                       || coalesce(' comment ' || col_description(c.oid, a.attnum), '')
                FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
                UNION ALL
                SELECT 'constraint ' || c.relname || '.' || k.conname || ' ' || pg_get_constraintdef(k.oid)
                FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
                WHERE c.relnamespace = 'public'::regnamespace
                UNION ALL
                SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
                ORDER BY 1
                """));
    }

    static List<String> query(EmbeddedPostgres.Database db, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> values = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    values.add(rs.getString(i));
                }
                rows.add(String.join("|", values));
            }
        }
        return rows;
    }
}
