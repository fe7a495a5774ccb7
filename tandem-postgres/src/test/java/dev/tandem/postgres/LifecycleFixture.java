package dev.tandem.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Migration;
import dev.tandem.core.Phase;
import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The shared shape of the per-operation lifecycle ITs: a fresh database seeded with {@link #SEED},
 * an engine that starts without its backfill, and an old-shape writer and a new-shape writer that run
 * concurrently with the backfill. A rollback is checked against a control copy of the seed (in the
 * schema {@code control} of the same database) that received the same writes, in the old shape,
 * without any migration.
 */
@ExtendWith(PostgresExtension.class)
abstract class LifecycleFixture {
    /**
     * A thread of its own for each task, so the backfill and both writers really run at once (the
     * common pool may have a single worker on a small machine).
     */
    static final Executor THREADS = r -> Thread.ofPlatform().daemon().start(r);

    /** How many iterations each writer makes. */
    static final int WRITES = 100;

    /** Rows in the seeded table, enough for several backfill batches. */
    static final int ROWS = 3000;

    static final String SEED = """
            CREATE TABLE categories (id int PRIMARY KEY, label text NOT NULL);
            INSERT INTO categories SELECT g, 'cat' || g FROM generate_series(1, 5) g;
            CREATE TABLE items (
              id int PRIMARY KEY,
              name text NOT NULL,
              qty int NOT NULL DEFAULT 0 CONSTRAINT items_qty_check CHECK (qty >= 0),
              note text,
              category_id int REFERENCES categories (id),
              owner_id int
            );
            CREATE INDEX items_name_idx ON items (name);
            INSERT INTO items SELECT g, 'item' || g, g % 50, CASE WHEN g % 3 = 0 THEN NULL ELSE 'note' || g END, 1 + g % 5, 1 + g % 5
            FROM generate_series(1, 3000) g;
            ANALYZE items;
            """;

    /** The old-shape writes most tests use: inserts of ids 10000.., updates of ids 1..100. */
    static final Writes OLD_WRITES = (s, i) -> {
        s.execute("INSERT INTO items (id, name, qty, note, category_id) VALUES (" + (10000 + i) + ", 'old" + i + "', "
                + i + ", 'o" + i + "', 1)");
        s.execute("UPDATE items SET name = 'old-upd" + i + "', qty = qty + 1 WHERE id = " + (1 + i));
    };

    EmbeddedPostgres.Database database;
    TestDb db;

    /** One iteration of a writer, given a statement on its connection. */
    interface Writes {
        void write(Statement s, int i) throws SQLException;
    }

    @BeforeEach
    void seed() {
        db = new TestDb(database);
        db.exec(SEED);
    }

    /** The engine without its own backfill (so it can run beside the writers), throttled so it overlaps them. */
    Engine engine() {
        return db.engine(
                EngineOptions.builder().backfill(false).maxRowsPerSecond(10_000).build());
    }

    Engine start(Migration m) {
        Engine engine = engine();
        assertThat(engine.start(m).phase()).isEqualTo(Phase.EXPANDED);
        return engine;
    }

    /**
     * Runs the backfill while an old-shape writer writes concurrently (the new shape is served only
     * once the backfill is done), then runs the old-shape and the new-shape writers of migration
     * {@code id} at once; returns when all are done and the migration is BACKFILLED. Each writer makes
     * its {@link #WRITES} iterations once.
     */
    void backfillWhileWriting(Engine engine, String id, Writes oldWrites, Writes newWrites) {
        CompletableFuture<MigrationStatus> backfill =
                CompletableFuture.supplyAsync(() -> engine.backfill(null), THREADS);
        CompletableFuture<Void> duringBackfill = CompletableFuture.runAsync(
                () -> write(db::old, (s, i) -> {
                    if (i < WRITES / 2) {
                        oldWrites.write(s, i);
                    }
                }),
                THREADS);
        duringBackfill.join();
        assertThat(backfill.join().phase()).isEqualTo(Phase.BACKFILLED);
        CompletableFuture<Void> oldWriter = CompletableFuture.runAsync(
                () -> write(db::old, (s, i) -> {
                    if (i >= WRITES / 2) {
                        oldWrites.write(s, i);
                    }
                }),
                THREADS);
        CompletableFuture<Void> newWriter =
                CompletableFuture.runAsync(() -> write(() -> db.newShape(id), newWrites), THREADS);
        CompletableFuture.allOf(oldWriter, newWriter).join();
    }

    private static void write(Callable<Connection> connection, Writes writes) {
        try (Connection c = connection.call();
                Statement s = c.createStatement()) {
            for (int i = 0; i < WRITES; i++) {
                writes.write(s, i);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** One expected row; unlike {@code List.of}, it may hold NULLs. */
    static List<String> row(String... values) {
        return Arrays.asList(values);
    }

    /** Rows of a query through the new shape of migration {@code id}. */
    List<List<String>> newShapeRows(String id, String sql) {
        try (Connection c = db.newShape(id)) {
            return TestDb.rows(c, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    String newShapeValue(String id, String sql) {
        List<List<String>> rows = newShapeRows(id, sql);
        return rows.isEmpty() ? null : rows.getFirst().getFirst();
    }

    /** A checksum of every row of {@code relation} as one connection sees it. */
    static String checksum(Connection c, String relation) throws SQLException {
        return TestDb.rows(
                        c,
                        "SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM " + relation
                                + " t")
                .getFirst()
                .getFirst();
    }

    /** Whether the new shape of migration {@code id} has a column {@code column} in relation {@code table}. */
    boolean newShapeHasColumn(String id, String table, String column) {
        return !newShapeRows(
                        id,
                        "SELECT 1 FROM information_schema.columns WHERE table_schema = 'public_" + id
                                + "' AND table_name = '" + table + "' AND column_name = '" + column + "'")
                .isEmpty();
    }

    /**
     * The row checksum of {@code table} in a control copy of the seed (schema {@code control}) after the
     * given writes, each made {@link #WRITES} times through the old shape, with no migration.
     */
    String controlChecksum(String table, Writes... writes) {
        control(null, writes);
        return db.rowChecksum("control." + table);
    }

    /**
     * Creates the control copy: schema {@code control} with the seed (and {@code extraSeed}), after the
     * given writes, each made {@link #WRITES} times through the old shape, with no migration.
     */
    void control(String extraSeed, Writes... writes) {
        try (Connection c = db.old();
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA control");
            s.execute("SET search_path = control");
            s.execute(SEED);
            if (extraSeed != null) {
                s.execute(extraSeed);
            }
            for (Writes w : writes) {
                for (int i = 0; i < WRITES; i++) {
                    w.write(s, i);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Asserts that every constraint of {@code table} is validated and every index is valid. */
    void assertAllValid(String table) {
        assertThat(db.value("SELECT count(*) FROM pg_constraint WHERE conrelid = '" + table
                        + "'::regclass AND NOT convalidated"))
                .as("constraints not validated on " + table)
                .isEqualTo("0");
        assertThat(db.value("SELECT count(*) FROM pg_index WHERE indrelid = '" + table
                        + "'::regclass AND NOT (indisvalid AND indisready)"))
                .as("invalid indexes on " + table)
                .isEqualTo("0");
    }

    /** Asserts that the migration left nothing behind: no version schema, no sync trigger or function. */
    void assertNoTrace(String id, String table) {
        assertThat(db.value("SELECT count(*) FROM pg_namespace WHERE nspname = 'public_" + id + "'"))
                .isEqualTo("0");
        assertThat(
                        db.value(
                                "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'tandem'"))
                .isEqualTo("0");
        if (table != null) {
            assertThat(db.value("SELECT count(*) FROM pg_trigger WHERE tgrelid = '" + table
                            + "'::regclass AND NOT tgisinternal"))
                    .isEqualTo("0");
        }
    }

    /** Runs a statement that must fail, returning its SQLSTATE. */
    String failingState(String sql) {
        try (Connection c = db.old();
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            return e.getSQLState();
        }
        throw new AssertionError("expected to fail: " + sql);
    }
}
