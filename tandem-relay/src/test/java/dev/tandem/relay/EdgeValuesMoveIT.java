package dev.tandem.relay;

import static dev.tandem.relay.RelayConvergenceIT.exec;
import static dev.tandem.relay.RelayConvergenceIT.rows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.EdgeCaseRows;
import dev.tandem.testkit.EdgeType;
import dev.tandem.testkit.EmbeddedPostgres;
import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every edge value of every common type (NULLs, extremes, NaN and -0, multi-byte and odd text, a
 * composite text and bigint key) arrives exactly, by the copy and by the relay, through inserts,
 * updates that move values between rows, key changes, and deletes.
 */
class EdgeValuesMoveIT {
    @Test
    void shouldDeliverEveryEdgeValueExactly() throws Exception {
        EmbeddedPostgres.Database source = EmbeddedPostgres.newDatabase();
        EmbeddedPostgres.Database target = EmbeddedPostgres.newDatabase();
        EdgeCaseRows edge = EdgeCaseRows.builder()
                .table("edges")
                .key("k", EdgeType.TEXT, "C")
                .key("n", EdgeType.BIGINT)
                .everyType()
                .random(new SplittableRandom(5))
                .randomRows(300)
                .build();
        exec(source.dataSource(), edge.createTableSql());
        exec(target.dataSource(), edge.createTableSql());
        List<EdgeCaseRows.Row> all = edge.rows();
        int half = all.size() / 2;
        try (Connection c = source.dataSource().getConnection()) {
            edge.insert(c, all.subList(0, half));
        }
        Map<String, String> columns = new LinkedHashMap<>();
        edge.columns().forEach(col -> columns.put(col.name(), EdgeCaseRows.quote(col.name())));
        MoveSpec spec = new MoveSpec(
                "0002_move_edges", "public", "edges", List.of("k", "n"), "public", "edges", columns, List.of("k", "n"));
        Moves.prepare(source.dataSource(), target.dataSource(), spec);
        Moves.copy(source.dataSource(), target.dataSource(), spec, 50);
        try (Connection c = source.dataSource().getConnection()) {
            // a writer whose session writes dates, times, floats and bytea differently: capture is not fooled
            try (var s = c.createStatement()) {
                s.execute("SET datestyle = 'ISO, DMY'; SET timezone = 'Asia/Kolkata'; SET extra_float_digits = -15;"
                        + " SET intervalstyle = 'sql_standard'; SET bytea_output = 'escape'");
            }
            edge.insert(c, all.subList(half, all.size()));
        }
        // values move between rows, keys change, rows go
        exec(source.dataSource(), """
                UPDATE edges e SET c_text = o.c_text, c_double = o.c_double, c_jsonb = o.c_jsonb, c_bytea = o.c_bytea
                FROM (SELECT k, n, lead(c_text) OVER w AS c_text, lead(c_double) OVER w AS c_double,
                             lead(c_jsonb) OVER w AS c_jsonb, lead(c_bytea) OVER w AS c_bytea
                      FROM edges WINDOW w AS (ORDER BY k, n)) o
                WHERE e.k = o.k AND e.n = o.n;
                UPDATE edges SET n = -n - 1 WHERE n % 3 = 0 AND n > 0;
                DELETE FROM edges WHERE n % 7 = 1;
                """);
        Relay relay = Relay.builder(source.dataSource())
                .move(spec, target.dataSource())
                .build();
        while (relay.deliverOnce() > 0) {
            // until the outbox is empty
        }
        assertThat(rows(source.dataSource(), "SELECT count(*) FROM tandem.outbox"))
                .containsExactly("0");
        assertThat(rows(target.dataSource(), edge.exactSelect("edges")))
                .containsExactlyElementsOf(rows(source.dataSource(), edge.exactSelect("edges")));
    }
}
