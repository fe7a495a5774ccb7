package dev.tandem.verify;

import dev.tandem.core.MigrationFiles;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.postgres.StageHook;
import dev.tandem.relay.MoveHook;
import dev.tandem.relay.Relay;
import dev.tandem.testkit.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * A started move of {@code items} (source) to {@code items_new} in the store {@code other} (target), with
 * a key of one of the kinds verification must handle, mixed column types, and the target's timestamps
 * at millisecond precision (the shared precision), copied and caught up.
 */
final class MoveFixture {
    enum KeyKind {
        INT("k bigint", "k", "g"),
        TEXT("k text", "k", "'key-' || lpad(g::text, 6, '0') || CASE WHEN g % 3 = 0 THEN ' é' ELSE '' END"),
        UUID("k uuid", "k", "md5(g::text)::uuid"),
        COMPOSITE("k bigint, k2 text", "k, k2", "g / 3, 'p' || (g % 3)");

        final String columns;
        final String key;
        final String values;

        KeyKind(String columns, String key, String values) {
            this.columns = columns;
            this.key = key;
            this.values = values;
        }

        /** The WHERE clause naming the row generated from {@code g}. */
        String row(int g) {
            return row(g, "");
        }

        /** The same, with the key columns qualified by {@code alias} (with its dot). */
        String row(int g, String alias) {
            return switch (this) {
                case INT -> alias + "k = " + g;
                case TEXT ->
                    alias + "k = 'key-' || lpad('" + g + "', 6, '0') || CASE WHEN " + g
                            + " % 3 = 0 THEN ' é' ELSE '' END";
                case UUID -> alias + "k = md5('" + g + "')::uuid";
                case COMPOSITE -> alias + "k = " + (g / 3) + " AND " + alias + "k2 = 'p" + (g % 3) + "'";
            };
        }
    }

    static final int ROWS = 30_000;

    final EmbeddedPostgres.Database source = EmbeddedPostgres.newDatabase();
    final EmbeddedPostgres.Database target = EmbeddedPostgres.newDatabase();
    final KeyKind kind;
    final Engine engine;

    MoveFixture(KeyKind kind) {
        this(kind, false);
    }

    /** With {@code gated}, the engine's cutover is gated by verification, as the CLI's is. */
    MoveFixture(KeyKind kind, boolean gated) {
        this.kind = kind;
        String values = kind.values;
        exec(
                source.dataSource(),
                // The enum's labels are made in another order on each side: each store gives them other OIDs.
                "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');"
                        + "CREATE TABLE items (" + kind.columns + ", name text NOT NULL, amount numeric(12, 2),"
                        + " score double precision, seen timestamptz, flag boolean, note text, doc json, mood mood,"
                        + " PRIMARY KEY ("
                        + kind.key
                        + "));"
                        + "INSERT INTO items SELECT " + values + ", 'name ' || g, g * 0.25, g / 7.0,"
                        + " timestamptz '2026-01-01 00:00:00.123456+00' + g * interval '1 second', g % 2 = 0,"
                        + " CASE WHEN g % 5 = 0 THEN '' WHEN g % 5 = 1 THEN NULL ELSE 'n' || g END, json_build_object('g', g),"
                        + " (enum_range(NULL::mood))[g % 3 + 1] FROM generate_series(1, " + ROWS
                        + ") g; ANALYZE items");
        exec(
                target.dataSource(),
                "CREATE TYPE mood AS ENUM ('happy'); ALTER TYPE mood ADD VALUE 'sad' BEFORE 'happy';"
                        + " ALTER TYPE mood ADD VALUE 'ok' BEFORE 'happy';"
                        + "CREATE TABLE items_new (" + kind.columns + ", name text NOT NULL, amount numeric(12, 2),"
                        + " score double precision, seen timestamptz(3), flag boolean, note text, doc json, mood mood,"
                        + " PRIMARY KEY ("
                        + kind.key + "))");
        MoveHook move = MoveHook.builder(source.dataSource())
                .stores(Map.of("other", target.dataSource()))
                .build();
        StageHook hook = gated ? StageHook.all(move, new VerificationGate(source.dataSource())) : move;
        engine = Engine.create(
                source.dataSource(), EngineOptions.builder().hook(hook).build());
        String columns = java.util.Arrays.stream(
                        (kind.key + ", name, amount, score, seen, flag, note, doc, mood").split(", "))
                .map(c -> c + ": " + c)
                .collect(java.util.stream.Collectors.joining(", "));
        engine.start(MigrationFiles.parse("0001_move_items.yaml", """
                id: 0001_move_items
                service: items
                owner: team-items
                rationale: the catalog service owns items now
                operations:
                  - move_table:
                      table: items
                      key: [%s]
                      to: { store: other, table: items_new }
                      columns: { %s }
                verify:
                  invariants:
                    - name: rows
                      old: SELECT count(*) FROM items
                      new: SELECT count(*) FROM items_new
                  max_drift_rows: 0
                  window: 1h
                """.formatted(kind.key, columns)));
        drain();
    }

    Verifier verifier() {
        return Verifier.builder(source.dataSource())
                .stores(Map.of("other", target.dataSource()))
                .lagBound(java.time.Duration.ofSeconds(2))
                .build();
    }

    /** Delivers what the source captured, until nothing is left. */
    void drain() {
        try (Relay relay = Relay.builder(source.dataSource())
                .registered(Map.of("other", target.dataSource()))
                .build()) {
            while (relay.deliverOnce() > 0) {
                // delivering
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A write on the source that capture does not see: drift that no relay will carry. */
    void behindTheRelaysBack(String sql) {
        exec(source.dataSource(), "SET tandem.origin = 'test'; " + sql);
    }

    static void exec(DataSource ds, String sql) {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> rows(DataSource ds, String sql) {
        List<String> out = new ArrayList<>();
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getString(i));
                }
                out.add(String.join("|", row));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }
}
