package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Phase;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** serial, bigserial and smallserial work as PostgreSQL's own shorthands: an integer column and its owned sequence. */
@ExtendWith(PostgresExtension.class)
class SerialColumnsIT {
    EmbeddedPostgres.Database database;
    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(database);
        db.exec("""
                CREATE TABLE items (id int PRIMARY KEY, name text);
                INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 300) g;
                """);
    }

    /** The type of each column of a table and the sequence that owns it, if any. */
    private List<List<String>> columnsAndSequences(String table) {
        return db.rows("""
                SELECT a.attname, format_type(a.atttypid, a.atttypmod),
                       coalesce(format_type(s.seqtypid, NULL), '-'), coalesce(pg_get_expr(d.adbin, d.adrelid), '-')
                FROM pg_attribute a
                LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                LEFT JOIN pg_sequence s ON s.seqrelid = pg_get_serial_sequence('%1$s', a.attname)::regclass
                WHERE a.attrelid = '%1$s'::regclass AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY a.attnum""".formatted(table));
    }

    @Test
    void shouldCreateATableWithSerialColumnsOwningTheirSequences() {
        Engine engine = db.engine();
        assertThat(engine.start(TestDb.migration("0001_events", """
                          - create_table:
                              name: events
                              columns:
                                - { name: id, type: bigserial, primary_key: true }
                                - { name: n, type: serial }
                                - { name: s, type: smallserial }
                                - { name: label, type: text }
                        """, null)).phase())
                .isEqualTo(Phase.BACKFILLED);
        try (var c = db.newShape("0001_events");
                var s = c.createStatement()) {
            s.execute("INSERT INTO events (label) VALUES ('through the new shape')");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        engine.complete(TransitionRequest.active());
        db.exec("INSERT INTO events (label) VALUES ('after complete')");

        assertThat(columnsAndSequences("events"))
                .containsExactly(
                        List.of("id", "bigint", "bigint", "nextval('events_id_seq'::regclass)"),
                        List.of("n", "integer", "integer", "nextval('events_n_seq'::regclass)"),
                        List.of("s", "smallint", "smallint", "nextval('events_s_seq'::regclass)"),
                        List.of("label", "text", "-", "-"));
        assertThat(db.rows("SELECT id, n, s FROM events ORDER BY id"))
                .containsExactly(List.of("1", "1", "1"), List.of("2", "2", "2"));
    }

    @Test
    void shouldAddASerialColumnNumberingEveryRowWithoutRewritingTheTable() {
        String relfilenode = db.value("SELECT relfilenode FROM pg_class WHERE relname = 'items'");
        Engine engine = db.engine();
        engine.start(TestDb.migration("0002_seq", """
                  - add_column: { table: items, column: { name: seq, type: bigserial, nullable: false } }
                """, null));
        db.exec("INSERT INTO items (id, name) VALUES (1000, 'old shape')");
        try (var c = db.newShape("0002_seq");
                var s = c.createStatement()) {
            s.execute("INSERT INTO items (id, name) VALUES (1001, 'new shape')");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        engine.complete(TransitionRequest.active());

        assertThat(db.value("SELECT relfilenode FROM pg_class WHERE relname = 'items'"))
                .isEqualTo(relfilenode);
        assertThat(db.value("SELECT count(DISTINCT seq) FROM items")).isEqualTo("302");
        assertThat(db.value("SELECT count(*) FROM items WHERE seq IS NULL")).isEqualTo("0");
        assertThat(columnsAndSequences("items"))
                .contains(List.of("seq", "bigint", "bigint", "nextval('items_seq_seq'::regclass)"));
        assertThat(db.definition("public.items")).contains("column 3 seq bigint true");
        db.exec("INSERT INTO items (id, name) VALUES (1002, 'after')");
        assertThat(db.value("SELECT seq > (SELECT max(seq) FROM items WHERE id <> 1002) FROM items WHERE id = 1002"))
                .isEqualTo("t");
    }

    @Test
    void shouldRemoveTheSequenceOfAnAddedSerialColumnOnRollback() {
        Engine engine = db.engine();
        engine.start(TestDb.migration("0003_seq", """
                  - add_column: { table: items, column: { name: seq, type: serial } }
                """, null));
        engine.rollback(TransitionRequest.active());
        assertThat(db.value(
                        "SELECT count(*) FROM pg_class WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace"))
                .isEqualTo("0");
        assertThat(columnsAndSequences("items")).extracting(r -> r.getFirst()).containsExactly("id", "name");
    }
}
