package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Migration;
import dev.tandem.core.Phase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A table without a primary key but with a unique key over NOT NULL columns (a text one, a two-column
 * one) is backfilled in ranges of that key, and writes through the new shape find their row by it.
 * Old-shape UPDATEs that move rows in key order while the backfill is paused (behind its checkpoint,
 * beyond its end) lose nothing; then both shapes write the same rows at once, and complete, or
 * rollback, keeps every write.
 */
class UniqueKeyBackfillIT extends LifecycleFixture {
    static final String ID = "0001_totals";
    static final int KEYED_ROWS = 6000;

    /** A table keyed by a unique key: how row {@code n} (1.., in key order at start) is found and moved. */
    record Keyed(
            String name,
            String table,
            String ddl,
            String key,
            IntFunction<String> row,
            String moveBehind,
            String moveBeyond,
            String moved,
            IntFunction<String> newRow,
            String moveThroughNewShape) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final Keyed TEXT = new Keyed(
            "text key",
            "tags",
            """
            CREATE TABLE tags (code text COLLATE "C" NOT NULL, qty int NOT NULL, note text, alias int);
            CREATE UNIQUE INDEX tags_alias_key ON tags (alias);
            CREATE UNIQUE INDEX tags_code_key ON tags (code);
            INSERT INTO tags SELECT 'k' || lpad(g::text, 5, '0'), g % 50, 'n' || g, g FROM generate_series(1, 6000) g;
            ANALYZE tags;
            """,
            "code",
            n -> "code = 'k" + String.format("%05d", n) + "'",
            "code = 'a' || code",
            "code = 'z' || code",
            "code LIKE 'a%' OR code LIKE 'z%'",
            n -> "(code, qty, total) VALUES ('new" + n + "', 7, 700)",
            "code = code || '-v'");

    static final Keyed COMPOSITE = new Keyed(
            "two-column key",
            "lines",
            """
            CREATE TABLE lines (order_id int NOT NULL, line_no int NOT NULL, qty int NOT NULL, note text,
              CONSTRAINT lines_key UNIQUE (order_id, line_no));
            INSERT INTO lines SELECT o, l, (o + l) % 50, 'n' FROM generate_series(1, 600) o, generate_series(1, 10) l;
            ANALYZE lines;
            """,
            "order_id, line_no",
            n -> "(order_id, line_no) = (" + ((n - 1) / 10 + 1) + ", " + ((n - 1) % 10 + 1) + ")",
            "order_id = -order_id",
            "order_id = order_id + 100000",
            "order_id < 0 OR order_id > 100000",
            n -> "(order_id, line_no, qty, total) VALUES (" + (200000 + n) + ", 1, 7, 700)",
            "line_no = line_no + 100");

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(TEXT, true),
                Arguments.of(TEXT, false),
                Arguments.of(COMPOSITE, true),
                Arguments.of(COMPOSITE, false));
    }

    static Migration addTotal(Keyed k) {
        return TestDb.migration(ID, """
                  - add_column:
                      table: %s
                      column: { name: total, type: int }
                      up: qty * 100
                """.formatted(k.table()), null);
    }

    @ParameterizedTest(name = "{0}, complete: {1}")
    @MethodSource("cases")
    void shouldKeepEveryWriteOfBothShapesOnATableKeyedByAUniqueNotNullKey(Keyed k, boolean complete) throws Exception {
        db.exec(k.ddl());
        String before = db.definition("public." + k.table());
        Engine engine = db.engine(EngineOptions.builder().backfill(false).build());
        assertThat(engine.plan(addTotal(k)).steps(Stage.BACKFILL).getFirst().description())
                .contains("in ranges of its unique key " + k.key());
        engine.start(addTotal(k));
        BackfillInTheMiddle backfill = new BackfillInTheMiddle(db, 3_000).run();
        backfill.pauseAfter(KEYED_ROWS / 4);

        // Rows 4001.. are ahead of the paused backfill: their keys move behind it and beyond its end.
        assertThat(value(k, "SELECT count(*) FROM %t WHERE total IS NULL AND (" + rows(k, 4001, 4300) + ")"))
                .isEqualTo("300");
        exec(k, "UPDATE %t SET " + k.moveBehind() + " WHERE " + rows(k, 4001, 4100));
        exec(k, "UPDATE %t SET " + k.moveBeyond() + " WHERE " + rows(k, 4101, 4200));
        exec(k, "UPDATE %t SET qty = qty + 1 WHERE " + rows(k, 4201, 4250) + " OR " + rows(k, 1, 50));
        exec(k, "DELETE FROM %t WHERE " + rows(k, 4251, 4300));
        assertThat(value(k, "SELECT count(*) FROM %t WHERE total IS NULL AND (" + k.moved() + ")"))
                .as("every row an update moved holds its new column at once")
                .isEqualTo("0");
        assertThat(value(k, "SELECT count(*) FROM %t WHERE " + k.moved())).isEqualTo("200");
        assertThat(backfill.resumeAndFinish().phase()).isEqualTo(Phase.BACKFILLED);
        assertThat(value(k, "SELECT count(*) FROM %t WHERE total IS DISTINCT FROM qty * 100"))
                .isEqualTo("0");
        long sum = Long.parseLong(value(k, "SELECT sum(qty) FROM %t"));

        // Both shapes write the same rows at once; the new shape finds them by the unique key.
        CompletableFuture<Void> oldWriter = CompletableFuture.runAsync(
                () -> write(db::old, (s, n) -> {
                    s.execute(table(
                            k, "UPDATE %t SET qty = qty + 1 WHERE " + k.row().apply(n)));
                    s.execute(table(
                            k, "UPDATE %t SET qty = qty + 1 WHERE " + k.row().apply(5000 + n)));
                }),
                THREADS);
        CompletableFuture<Void> newWriter = CompletableFuture.runAsync(
                () -> write(() -> db.newShape(ID), (s, n) -> {
                    retrying(
                            s,
                            table(
                                    k,
                                    "UPDATE %t SET qty = qty + 10, total = (qty + 10) * 100 WHERE "
                                            + k.row().apply(n)));
                    retrying(
                            s,
                            table(
                                    k,
                                    "UPDATE %t SET " + k.moveThroughNewShape() + " WHERE "
                                            + k.row().apply(5200 + n)));
                    s.execute(table(k, "INSERT INTO %t " + k.newRow().apply(n)));
                }),
                THREADS);
        CompletableFuture.allOf(oldWriter, newWriter).join();

        long expected = sum + 2 * 200 + 10 * 200 + 7 * 200;
        assertThat(value(k, "SELECT sum(qty) FROM %t")).isEqualTo(String.valueOf(expected));
        assertThat(value(k, "SELECT count(*) FROM %t WHERE total IS DISTINCT FROM qty * 100"))
                .isEqualTo("0");
        assertThat(value(k, "SELECT count(*) FROM %t")).isEqualTo(String.valueOf(KEYED_ROWS - 50 + 200));

        if (complete) {
            engine.complete(TransitionRequest.active());
            assertThat(db.definition("public." + k.table()))
                    .contains(" total integer false ")
                    .contains(k.table().equals("tags") ? "UNIQUE INDEX tags_code_key" : "lines_key UNIQUE")
                    .doesNotContain("trigger")
                    .doesNotContain("_tandem");
        } else {
            engine.rollback(TransitionRequest.active());
            assertThat(db.definition("public." + k.table())).isEqualTo(before);
        }
        assertAllValid("public." + k.table());
        assertNoTrace(ID, "public." + k.table());
        assertThat(value(k, "SELECT sum(qty) FROM %t")).isEqualTo(String.valueOf(expected));
    }

    /** Rows {@code from} to {@code to} (1-based, in key order at start), as a predicate. */
    private static String rows(Keyed k, int from, int to) {
        StringBuilder b = new StringBuilder("(false");
        for (int n = from; n <= to; n++) {
            b.append(" OR ").append(k.row().apply(n));
        }
        return b.append(')').toString();
    }

    /** The SQL with {@code %t} replaced by the case's table. */
    private static String table(Keyed k, String sql) {
        return sql.replace("%t", k.table());
    }

    private void exec(Keyed k, String sql) {
        db.exec(table(k, sql));
    }

    private String value(Keyed k, String sql) {
        return db.value(table(k, sql));
    }

    /** A new-shape write that another transaction changed under it asks to be retried (40001); it is. */
    private static void retrying(Statement s, String sql) throws SQLException {
        while (true) {
            try {
                s.execute(sql);
                return;
            } catch (SQLException e) {
                if (!"40001".equals(e.getSQLState())) {
                    throw e;
                }
            }
        }
    }

    /** Runs {@code writes} for n = 1..200 on one connection. */
    private static void write(java.util.concurrent.Callable<Connection> connection, Writes writes) {
        try (Connection c = connection.call();
                Statement s = c.createStatement()) {
            for (int n = 1; n <= 200; n++) {
                writes.write(s, n);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
