package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The backfill only assigns the new columns, so by default the table's own triggers (here an
 * {@code updated_at} stamp) do not see its updates; {@code --backfill-triggers fire} runs them, and a
 * role that may not skip them is refused before the first batch.
 */
class BackfillTriggersIT extends LifecycleFixture {
    private static final String ID = "0001_double_qty";
    private static final String UNTOUCHED = "2000-01-01 00:00:00+00";

    @BeforeEach
    void stampUpdates() {
        db.exec("""
                ALTER TABLE items ADD COLUMN updated_at timestamptz NOT NULL DEFAULT '2000-01-01 00:00:00+00';
                CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN NEW.updated_at := clock_timestamp(); RETURN NEW; END $$;
                CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch();
                """);
    }

    private static Migration doubleQty() {
        return TestDb.migration(ID, """
                  - add_column: { table: items, column: { name: double_qty, type: int }, up: qty * 2 }
                """, null);
    }

    private Engine engine(EngineOptions.BackfillTriggers triggers) {
        return db.engine(EngineOptions.builder()
                .backfill(false)
                .maxRowsPerSecond(10_000)
                .backfillTriggers(triggers)
                .build());
    }

    private String touched() {
        return db.value("SELECT count(*) FROM items WHERE updated_at <> '" + UNTOUCHED + "'");
    }

    /** Every row's old-shape columns, in one checksum. */
    private String oldShapeChecksum() {
        return db.value("SELECT md5(string_agg((id, name, qty, note, category_id, owner_id, updated_at)::text, ','"
                + " ORDER BY id)) FROM items");
    }

    @Test
    void shouldLeaveUpdatedAtAloneOnEveryRowTheBackfillFillsWhileWritersStillFireIt() {
        Engine engine = engine(EngineOptions.BackfillTriggers.SKIP);
        assertThat(engine.start(doubleQty()).phase()).isEqualTo(Phase.EXPANDED);

        backfillWhileWriting(
                engine,
                ID,
                OLD_WRITES,
                (s, i) -> s.execute("UPDATE items SET note = 'new" + i + "' WHERE id = " + (2001 + i)));

        assertThat(db.value("SELECT count(*) FROM items WHERE double_qty IS DISTINCT FROM qty * 2"))
                .isEqualTo("0");
        // Exactly the rows the application updated, through either shape, carry a new stamp.
        assertThat(db.value("SELECT count(*) FROM items WHERE updated_at <> '" + UNTOUCHED
                        + "' AND (id BETWEEN 1 AND 100 OR id BETWEEN 2001 AND 2100)"))
                .isEqualTo("200");
        assertThat(touched()).isEqualTo("200");
    }

    @Test
    void shouldFireTheTablesOwnTriggersOnEveryRowWhenAskedTo() {
        Engine engine = engine(EngineOptions.BackfillTriggers.FIRE);
        engine.start(doubleQty());

        assertThat(engine.backfill(null).phase()).isEqualTo(Phase.BACKFILLED);

        assertThat(touched()).isEqualTo(String.valueOf(ROWS));
        assertThat(db.value("SELECT count(*) FROM items WHERE double_qty IS DISTINCT FROM qty * 2"))
                .isEqualTo("0");
    }

    @Test
    void shouldRefuseBeforeTheFirstBatchWhenTheRoleMayNotSkipTriggersAndGoOnOnceGranted() {
        String role = "migrator_" + database.name();
        db.exec("CREATE ROLE " + role + " LOGIN; GRANT CREATE ON DATABASE " + database.name() + " TO " + role
                + "; ALTER TABLE items OWNER TO " + role);
        PGSimpleDataSource asRole = new PGSimpleDataSource();
        asRole.setURL(database.jdbcUrl());
        asRole.setUser(role);
        Engine engine = Engine.create(asRole, EngineOptions.builder().build());
        String before = oldShapeChecksum();

        TandemException refused = catchThrowableOfType(TandemException.class, () -> engine.start(doubleQty()));

        assertThat(refused.code()).isEqualTo(ErrorCode.GATE_REFUSED);
        assertThat(refused.getMessage())
                .contains("refusing to backfill public.items")
                .contains("(items_touch)")
                .contains("role " + role + " may not set")
                .contains("--backfill-triggers fire")
                .contains("GRANT SET ON PARAMETER session_replication_role TO \"" + role + "\"");
        assertThat(db.value("SELECT count(*) FROM items WHERE double_qty IS NOT NULL"))
                .isEqualTo("0");
        assertThat(db.value("SELECT rows_done FROM tandem.backfill")).isEqualTo("0");
        assertThat(touched()).isEqualTo("0");
        assertThat(oldShapeChecksum()).isEqualTo(before);

        db.exec("GRANT SET ON PARAMETER session_replication_role TO " + role);
        assertThat(engine.backfill(null).phase()).isEqualTo(Phase.BACKFILLED);
        assertThat(touched()).isEqualTo("0");
    }
}
