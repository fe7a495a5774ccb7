package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.testkit.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * {@code tandem flag}: the runtime flags are bounded by the phase, every change is in the history with
 * who made it and is announced to listening clients, and a bad or refused request changes nothing.
 */
class FlagCommandIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID = "0001_add_nickname";
    private static final String MIGRATION = """
            id: 0001_add_nickname
            service: customers
            owner: team-crm
            rationale: Greetings use a nickname
            operations:
              - add_column:
                  table: customers
                  column: { name: nickname, type: text }
                  up: split_part(name, ' ', 1)
            """;

    @TempDir
    Path dir;

    EmbeddedPostgres.Database db;
    Path file;

    @BeforeEach
    void customers() throws Exception {
        db = EmbeddedPostgres.newDatabase();
        sql(db, """
                CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL);
                INSERT INTO customers (name) SELECT 'Ada Lovelace ' || i FROM generate_series(1, 500) AS i;
                """);
        file = Files.writeString(dir.resolve(ID + ".yaml"), MIGRATION);
    }

    @Test
    void shouldRefuseReadsOnTheNewSideBeforeBackfilledAndRecordAndAnnounceThemAfter() throws Exception {
        assertThat(tandem("start", file.toString(), "--no-backfill").exitCode()).isZero();

        CliRun early = tandem("flag", "--reads-new", "25%");

        assertThat(early.exitCode()).as(early.out() + early.err()).isEqualTo(1);
        assertThat(early.err())
                .contains("error [FLAG_REFUSED]", "nothing changed", "only from BACKFILLED on", ID + " is EXPANDED")
                .contains("`tandem backfill --resume`");
        assertThat(query(db, "SELECT count(*) FROM tandem.flags")).containsExactly("0");
        assertThat(flagHistory()).isEmpty();
        assertThat(tandem("flag", "--reads-new", "0").exitCode())
                .as("keeping every read on the old side is allowed in any active phase")
                .isZero();

        assertThat(tandem("backfill", "--resume").exitCode()).isZero();
        try (Connection listener = db.dataSource().getConnection()) {
            try (Statement s = listener.createStatement()) {
                s.execute("LISTEN tandem_state");
            }

            CliRun flag = tandem("flag", "--reads-new", "25%");

            assertThat(flag.exitCode()).as(flag.err()).isZero();
            assertThat(flag.out()).contains(ID + " (BACKFILLED): reads-new 0% -> 25%, shape old. Announced to clients");
            assertThat(notifications(listener)).contains(ID);
        }
        String actor = System.getProperty("user.name");
        assertThat(query(db, "SELECT reads_new || ' ' || shape || ' ' || updated_by FROM tandem.flags"))
                .containsExactly("25 old " + actor);
        assertThat(flagHistory()).containsExactly("BACKFILLED BACKFILLED reads-new 0% -> 25%, shape old " + actor);

        CliRun shape = tandem("flag", "--shape", "new", "--reads-new", "100");
        assertThat(shape.exitCode()).as(shape.err()).isZero();
        assertThat(tandem("history").out())
                .containsPattern("BACKFILLED +BACKFILLED +\\w+ +" + actor
                        + " \\(flags: reads-new 25% -> 100%, shape old -> new\\)");
        JsonNode last = lastHistoryEntry();
        assertThat(last.get("event").asText()).isEqualTo("flags");
        assertThat(last.get("detail").asText()).isEqualTo("reads-new 25% -> 100%, shape old -> new");
        assertThat(last.get("actor").asText()).isEqualTo(actor);
        assertThat(last.get("at").isTextual()).isTrue();

        CliRun again = tandem("flag", "--shape", "new");
        assertThat(again.out()).contains("already has reads-new 100%, shape new; nothing changed");
        assertThat(flagHistory()).hasSize(2);

        assertThat(tandem("complete").exitCode()).isZero();
        CliRun finished = tandem("flag", "--migration", ID, "--reads-new", "0");
        assertThat(finished.exitCode()).isEqualTo(1);
        assertThat(finished.err()).contains("FLAG_REFUSED", ID + " is COMPLETE: it is finished");
        assertThat(query(db, "SELECT reads_new || ' ' || shape FROM tandem.flags"))
                .containsExactly("100 new");
    }

    @Test
    void shouldRefuseBadInputWithAClearErrorAndChangeNothing() throws Exception {
        assertThat(tandem("start", file.toString()).exitCode()).isZero();
        List<String> history = query(db, "SELECT seq || to_phase FROM tandem.history ORDER BY seq");

        CliRun tooMuch = tandem("flag", "--reads-new", "150%");
        assertThat(tooMuch.exitCode()).isEqualTo(2);
        assertThat(tooMuch.err()).contains("'150%' is more than all of the routing keys: write 0 to 100");

        CliRun notANumber = tandem("flag", "--reads-new", "half");
        assertThat(notANumber.exitCode()).isEqualTo(2);
        assertThat(notANumber.err()).contains("'half' is not a percentage");

        CliRun neither = tandem("flag");
        assertThat(neither.exitCode()).isEqualTo(2);
        assertThat(neither.err())
                .contains("nothing to set: give --reads-new PERCENT (0 to 100) and/or --shape old|new");

        CliRun sideways = tandem("flag", "--shape", "sideways");
        assertThat(sideways.exitCode()).isEqualTo(2);
        assertThat(sideways.err()).contains("'sideways' is not a shape: write old or new");

        CliRun writes = tandem("flag", "--writes", "new");
        assertThat(writes.exitCode()).isEqualTo(2);
        assertThat(writes.err()).contains("writes are not a flag", "`tandem cutover`");

        assertThat(query(db, "SELECT count(*) FROM tandem.flags")).containsExactly("0");
        assertThat(query(db, "SELECT seq || to_phase FROM tandem.history ORDER BY seq"))
                .isEqualTo(history);
    }

    @Test
    void shouldRefuseAShapeForAMoveButMoveItsReads() throws Exception {
        EmbeddedPostgres.Database billing = EmbeddedPostgres.newDatabase();
        sql(db, MoveFixture.ORDERS);
        sql(billing, MoveFixture.INVOICES);
        Path move = Files.writeString(dir.resolve(MoveFixture.FILE_NAME), MoveFixture.MOVE);
        String store = MoveFixture.store(billing);
        assertThat(tandem("start", move.toString(), "--store", store).exitCode())
                .isZero();

        CliRun shape = tandem("flag", "--migration", "0007_move_orders", "--shape", "new", "--store", store);

        assertThat(shape.exitCode()).isEqualTo(1);
        assertThat(shape.err())
                .contains("FLAG_REFUSED", "--shape is for migrations within one store", "`tandem cutover`");
        assertThat(query(db, "SELECT count(*) FROM tandem.flags")).containsExactly("0");

        CliRun reads =
                tandem("flag", "--migration", "0007_move_orders", "--reads-new", "50", "--store", store, "--json");
        assertThat(reads.exitCode()).as(reads.err()).isZero();
        JsonNode json = JSON.readTree(reads.out());
        assertThat(json.get("migration").asText()).isEqualTo("0007_move_orders");
        assertThat(json.get("phase").asText()).isEqualTo("BACKFILLED");
        assertThat(json.get("changed").asBoolean()).isTrue();
        assertThat(json.get("readsNewPercent").asInt()).isEqualTo(50);
        assertThat(json.get("shape").asText()).isEqualTo("old");
        assertThat(json.at("/before/readsNewPercent").asInt()).isZero();
        assertThat(json.at("/before/updatedAt").isNull()).isTrue();
        assertThat(tandem("status", "--store", store).out()).containsPattern("flags +reads-new 50% \\(set by ");
        assertThat(query(db, "SELECT reads_new || ' ' || shape FROM tandem.flags"))
                .containsExactly("50 old");
    }

    /** The flag changes in the history: from, to, detail and actor. */
    private List<String> flagHistory() throws SQLException {
        return query(
                db,
                "SELECT from_phase || ' ' || to_phase || ' ' || detail || ' ' || actor FROM tandem.history"
                        + " WHERE event = 'flags' ORDER BY seq");
    }

    private JsonNode lastHistoryEntry() throws Exception {
        JsonNode entries = JSON.readTree(tandem("history", "--json").out());
        return entries.get(entries.size() - 1);
    }

    /** The payloads announced on the listener's channels, waiting up to five seconds for the first. */
    private static List<String> notifications(Connection listener) throws SQLException {
        List<String> payloads = new ArrayList<>();
        PGNotification[] received = listener.unwrap(PGConnection.class).getNotifications(5_000);
        if (received != null) {
            for (PGNotification n : received) {
                payloads.add(n.getParameter());
            }
        }
        return payloads;
    }

    private CliRun tandem(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (!args[0].equals("help")) {
            all.addAll(List.of("--url", db.jdbcUrl(), "--user", db.user()));
        }
        return CliRun.of(all.toArray(String[]::new));
    }

    static void sql(EmbeddedPostgres.Database db, String sql) {
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    static List<String> query(EmbeddedPostgres.Database db, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
