package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.TandemException;
import org.junit.jupiter.api.Test;

/**
 * A serial column whose type changes takes its sequence with it: a key widened to bigint gets values
 * past 2^31, and a key narrowed gets a sequence that cannot hand out a value the column cannot hold.
 */
class SequenceWideningIT extends LifecycleFixture {

    private static final String SEQUENCE = "SELECT format_type(seqtypid, NULL), seqmin, seqmax FROM pg_sequence"
            + " WHERE seqrelid = 'public.tickets_id_seq'::regclass";

    private static Migration retype(String type, String down) {
        return TestDb.migration("0001_tickets_id", """
                  - alter_column: { table: tickets, column: id, type: %s, up: "id::%s", down: "id::%s" }
                """.formatted(type, type, down), null);
    }

    private void tickets(String serial) {
        db.exec("CREATE TABLE tickets (id " + serial + " PRIMARY KEY, title text NOT NULL);"
                + " INSERT INTO tickets (title) SELECT 't' || g FROM generate_series(1, 1000) g");
    }

    /** Starts, backfills while both shapes insert rows that take their ids from the sequence, and completes. */
    private void runWhileInserting(Migration m) {
        Engine engine = start(m);
        Writes insert = (s, i) -> s.execute("INSERT INTO tickets (title) VALUES ('w" + i + "')");
        backfillWhileWriting(engine, m.id(), insert, insert);
        engine.complete(TransitionRequest.active());
        assertNoTrace(m.id(), "public.tickets");
        assertThat(db.value("SELECT count(DISTINCT id) FROM tickets")).isEqualTo(String.valueOf(1000 + WRITES * 2));
    }

    /** Every schema and relation, and everything the catalog says about the table. */
    private String snapshot() {
        return db.rows(
                        "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                                + " UNION ALL SELECT nspname FROM pg_namespace ORDER BY 1")
                + "\n" + CatalogDescription.of(db, "public", "tickets");
    }

    @Test
    void shouldWidenTheSequenceOfASerialKeyWidenedToBigint() {
        tickets("serial");

        runWhileInserting(retype("bigint", "int"));

        assertThat(db.rows(SEQUENCE)).containsExactly(row("bigint", "1", "9223372036854775807"));
        db.exec("SELECT setval('tickets_id_seq', 2147483648)");
        db.exec("INSERT INTO tickets (title) VALUES ('past 2^31')");
        assertThat(db.value("SELECT id FROM tickets WHERE title = 'past 2^31'")).isEqualTo("2147483649");
    }

    @Test
    void shouldWidenTheSequenceOfASmallserialKeyWidenedToInteger() {
        tickets("smallserial");

        runWhileInserting(retype("int4", "smallint"));

        assertThat(db.rows(SEQUENCE)).containsExactly(row("integer", "1", "2147483647"));
        db.exec("SELECT setval('tickets_id_seq', 40000)");
        db.exec("INSERT INTO tickets (title) VALUES ('past 2^15')");
        assertThat(db.value("SELECT id FROM tickets WHERE title = 'past 2^15'")).isEqualTo("40001");
    }

    @Test
    void shouldNarrowTheSequenceOfABigserialKeyNarrowedToIntegerWhenItsValuesFit() {
        tickets("bigserial");

        runWhileInserting(retype("integer", "bigint"));

        // As if the key had always been serial: the sequence stops where the column does.
        assertThat(db.rows(SEQUENCE)).containsExactly(row("integer", "1", "2147483647"));
        assertThat(db.value("SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                        + " WHERE attrelid = 'public.tickets'::regclass AND attname = 'id'"))
                .isEqualTo("integer");
    }

    @Test
    void shouldRefuseToNarrowAKeyWhoseSequenceHasPassedTheNewTypeAndChangeNothing() {
        tickets("bigserial");
        db.exec("SELECT setval('tickets_id_seq', 3000000000)");
        String before = snapshot() + db.rows(SEQUENCE);
        Migration m = retype("integer", "bigint");

        for (Runnable attempt : new Runnable[] {() -> engine().plan(m), () -> engine().start(m)}) {
            assertThatThrownBy(attempt::run).isInstanceOfSatisfying(TandemException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.SCHEMA_MISMATCH);
                assertThat(e.getMessage())
                        .contains("0001_tickets_id.yaml:")
                        .contains("sequence public.tickets_id_seq (value 3000000000")
                        .contains("does not fit integer");
            });
        }
        assertThat(snapshot() + db.rows(SEQUENCE)).isEqualTo(before);
    }

    @Test
    void shouldRefuseASerialPseudoTypeAsTheNewTypeOfAColumn() {
        tickets("serial");
        Migration m = TestDb.migration("0001_tickets_id", """
                  - alter_column: { table: tickets, column: id, type: bigserial, up: "id::bigint", down: "id::int" }
                """, null);

        assertThatThrownBy(() -> engine().plan(m))
                .isInstanceOfSatisfying(TandemException.class, e -> assertThat(e.getMessage())
                        .contains("cannot change to bigserial")
                        .contains("Write the integer type"));
    }
}
