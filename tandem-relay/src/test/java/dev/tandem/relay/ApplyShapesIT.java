package dev.tandem.relay;

import static dev.tandem.relay.RelayConvergenceIT.exec;
import static dev.tandem.relay.RelayConvergenceIT.rows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.EmbeddedPostgres;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The guarded apply writes every shape of key: a composite key of text and integer (updates of rows
 * that exist, inserts of rows that do not, deletes, in one batch), and a table whose every column is
 * key (nothing to update; an upsert of an existing row is a no-op).
 */
class ApplyShapesIT {
    final EmbeddedPostgres.Database source = EmbeddedPostgres.newDatabase();
    final EmbeddedPostgres.Database target = EmbeddedPostgres.newDatabase();

    static void drain(Relay relay) throws Exception {
        while (relay.deliverOnce() > 0) {
            // until the outbox is empty
        }
    }

    @Test
    void shouldApplyACompositeKeyOfTextAndIntegerInOneBatch() throws Exception {
        exec(source.dataSource(), """
                CREATE TABLE stock (sku text, site int, qty int, label text, PRIMARY KEY (sku, site));
                INSERT INTO stock SELECT 'sku-' || (g % 50), g / 50, g, 'ÄÖ ' || g FROM generate_series(0, 499) g;
                """);
        exec(
                target.dataSource(),
                "CREATE TABLE stock (sku text, site int, qty int, label text," + " PRIMARY KEY (sku, site))");
        Map<String, String> columns = new LinkedHashMap<>();
        for (String c : List.of("sku", "site", "qty", "label")) {
            columns.put(c, c);
        }
        MoveSpec spec = new MoveSpec(
                "0001_move_stock",
                "public",
                "stock",
                List.of("sku", "site"),
                "public",
                "stock",
                columns,
                List.of("sku", "site"));
        Moves.prepare(source.dataSource(), target.dataSource(), spec);
        Moves.copy(source.dataSource(), target.dataSource(), spec, 100);
        exec(source.dataSource(), """
                UPDATE stock SET qty = qty + 1, label = NULL WHERE site = 3;
                DELETE FROM stock WHERE site = 4 AND sku LIKE 'sku-1%';
                INSERT INTO stock SELECT 'new ' || g, 99, g, 'ü' FROM generate_series(1, 40) g;
                UPDATE stock SET site = site + 100 WHERE site = 5 AND sku = 'sku-7';
                DELETE FROM stock WHERE site = 6 AND sku = 'sku-8';
                INSERT INTO stock VALUES ('sku-8', 6, -1, 'again');
                """);
        try (Relay relay = Relay.builder(source.dataSource())
                .move(spec, target.dataSource())
                .batchSize(5000)
                .build()) {
            drain(relay);
            assertThat(relay.stats().parked()).isZero();
        }
        String all = "SELECT sku, site, qty, label FROM stock ORDER BY sku COLLATE \"C\", site";
        assertThat(rows(target.dataSource(), all))
                .hasSize(500 - 11 + 40)
                .containsExactlyElementsOf(rows(source.dataSource(), all))
                .contains("sku-8|6|-1|again", "sku-7|105|257|ÄÖ 257");
    }

    @Test
    void shouldApplyATableWhoseEveryColumnIsKey() throws Exception {
        exec(source.dataSource(), """
                CREATE TABLE tags (item bigint, tag text, PRIMARY KEY (item, tag));
                INSERT INTO tags SELECT g / 3, 't' || (g % 3) FROM generate_series(0, 299) g;
                """);
        exec(target.dataSource(), "CREATE TABLE labels (item bigint, label text, PRIMARY KEY (item, label))");
        Map<String, String> columns = new LinkedHashMap<>();
        columns.put("item", "item");
        columns.put("label", "upper(tag)");
        MoveSpec spec = new MoveSpec(
                "0002_move_tags",
                "public",
                "tags",
                List.of("item", "tag"),
                "public",
                "labels",
                columns,
                List.of("item", "label"));
        Moves.prepare(source.dataSource(), target.dataSource(), spec);
        exec(source.dataSource(), """
                DELETE FROM tags WHERE item < 10;
                UPDATE tags SET tag = 'moved' WHERE item = 20 AND tag = 't0';
                INSERT INTO tags VALUES (1000, 'x'), (1000, 'y');
                """);
        Moves.copy(source.dataSource(), target.dataSource(), spec, 64);
        exec(
                source.dataSource(),
                "DELETE FROM tags WHERE item = 1000 AND tag = 'x';" + " INSERT INTO tags VALUES (20, 't0')");
        try (Relay relay = Relay.builder(source.dataSource())
                .move(spec, target.dataSource())
                .build()) {
            drain(relay);
        }
        assertThat(rows(target.dataSource(), "SELECT item, label FROM labels ORDER BY 1, 2"))
                .containsExactlyElementsOf(rows(source.dataSource(), "SELECT item, upper(tag) FROM tags ORDER BY 1, 2"))
                .contains("20|MOVED", "20|T0", "1000|Y")
                .doesNotContain("1000|X", "5|T1");
    }
}
