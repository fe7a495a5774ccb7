package dev.tandem.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every kind of drift, injected behind the relay's back into a move whose sides were equal, is found
 * with its key, in tables keyed by an integer, text, a uuid, and two columns; a timestamp that differs
 * only below the target's millisecond precision is not drift. Repair fixes it all through the relay,
 * and the verification after it is clean; its dry run changes nothing.
 */
class VerifyDriftIT {
    @ParameterizedTest
    @EnumSource(MoveFixture.KeyKind.class)
    void shouldFindEveryKindOfDriftWithItsKeyAndRepairIt(MoveFixture.KeyKind kind) {
        MoveFixture f = new MoveFixture(kind);
        Verifier verifier = f.verifier();
        Verification clean = verifier.verify(null);
        assertThat(clean.passed()).as(clean.toString()).isTrue();
        assertThat(clean.rows()).isEqualTo(MoveFixture.ROWS);
        assertThat(clean.driftRows()).isZero();
        // Nothing even looked different: an enum is compared by its label, not by each store's OID for it.
        assertThat(clean.suspectsCleared()).isZero();

        var t = f.target.dataSource();
        MoveFixture.exec(t, "DELETE FROM items_new WHERE " + kind.row(101)); // missing on the target
        f.behindTheRelaysBack("DELETE FROM items WHERE " + kind.row(102)); // missing on the source: extra on the target
        f.behindTheRelaysBack("UPDATE items SET name = name || 'x' WHERE " + kind.row(103));
        MoveFixture.exec(t, "UPDATE items_new SET amount = amount + 0.01 WHERE " + kind.row(104));
        MoveFixture.exec(t, "UPDATE items_new SET score = score * 2 WHERE " + kind.row(105));
        MoveFixture.exec(t, "UPDATE items_new SET seen = seen + interval '1 millisecond' WHERE " + kind.row(106));
        MoveFixture.exec(t, "UPDATE items_new SET flag = NOT flag WHERE " + kind.row(107));
        MoveFixture.exec(t, "UPDATE items_new SET doc = '{\"g\": 0}' WHERE " + kind.row(109)); // json: no hash function
        MoveFixture.exec(t, "UPDATE items_new SET note = NULL WHERE " + kind.row(110)); // '' on the source
        f.behindTheRelaysBack("UPDATE items SET note = '' WHERE " + kind.row(111)); // NULL on the target
        // Names swapped between two rows of one segment: each column's values are the same as a set.
        MoveFixture.exec(
                t,
                "UPDATE items_new SET name = CASE WHEN " + kind.row(113) + " THEN 'name 114' ELSE 'name 113'"
                        + " END WHERE " + kind.row(113) + " OR " + kind.row(114));
        // NULL against a numeric zero.
        f.behindTheRelaysBack("UPDATE items SET amount = 0 WHERE " + kind.row(115));
        MoveFixture.exec(t, "UPDATE items_new SET amount = NULL WHERE " + kind.row(115));
        MoveFixture.exec(t, "UPDATE items_new SET mood = 'sad' WHERE " + kind.row(116)); // was happy
        MoveFixture.exec(t, "UPDATE items_new SET mood = 'ok' WHERE " + kind.row(117)); // was sad
        // A key held twice, once the target no longer has a unique key to refuse it.
        MoveFixture.exec(
                t,
                "ALTER TABLE items_new DROP CONSTRAINT items_new_pkey;"
                        + " INSERT INTO items_new SELECT * FROM items_new WHERE " + kind.row(112));
        // Below the shared (millisecond) precision: the same on both sides.
        f.behindTheRelaysBack("UPDATE items SET seen = seen + interval '2 microseconds' WHERE " + kind.row(108));

        Verification found = verifier.verify(null);
        assertThat(found.passed()).isFalse();
        Map<String, String> byKey = found.drift().stream()
                .collect(Collectors.toMap(
                        Drift::key,
                        d -> d.kind() + " "
                                + d.fields().stream()
                                        .filter(x -> !java.util.Objects.equals(x.oldValue(), x.newValue()))
                                        .map(Drift.FieldDiff::column)
                                        .toList()));
        assertThat(byKey)
                .containsOnlyKeys(
                        keys(f, 101, 102, 103, 104, 105, 106, 107, 109, 110, 111, 112, 113, 114, 115, 116, 117));
        assertThat(byKey.get(key(f, 101))).startsWith("MISSING_ON_NEW");
        assertThat(byKey.get(key(f, 102))).startsWith("EXTRA_ON_NEW");
        assertThat(byKey.get(key(f, 103))).isEqualTo("CHANGED [name]");
        assertThat(byKey.get(key(f, 104))).isEqualTo("CHANGED [amount]");
        assertThat(byKey.get(key(f, 105))).isEqualTo("CHANGED [score]");
        assertThat(byKey.get(key(f, 106))).isEqualTo("CHANGED [seen]");
        assertThat(byKey.get(key(f, 107))).isEqualTo("CHANGED [flag]");
        assertThat(byKey.get(key(f, 109))).isEqualTo("CHANGED [doc]");
        assertThat(byKey.get(key(f, 110))).isEqualTo("CHANGED [note]");
        assertThat(byKey.get(key(f, 111))).isEqualTo("CHANGED [note]");
        assertThat(byKey.get(key(f, 112))).startsWith("DUPLICATE_KEY");
        assertThat(byKey.get(key(f, 113))).isEqualTo("CHANGED [name]");
        assertThat(byKey.get(key(f, 114))).isEqualTo("CHANGED [name]");
        assertThat(byKey.get(key(f, 115))).isEqualTo("CHANGED [amount]");
        assertThat(byKey.get(key(f, 116))).isEqualTo("CHANGED [mood]");
        assertThat(byKey.get(key(f, 117))).isEqualTo("CHANGED [mood]");
        assertThat(found.driftRows()).isEqualTo(16);
        // One row gone on each side and one held twice on the target: the invariant sees the count differ.
        assertThat(found.invariants()).singleElement().isEqualTo(new InvariantResult("rows", "29999", "30000", false));

        // The dry run lists the same keys and changes nothing.
        List<String> before =
                MoveFixture.rows(t, "SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM items_new t");
        Repair dry = verifier.repair(null, true);
        assertThat(dry.planned()).extracting(Drift::key).containsExactlyInAnyOrderElementsOf(byKey.keySet());
        assertThat(dry.after()).isNull();
        assertThat(MoveFixture.rows(t, "SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM items_new t"))
                .isEqualTo(before);

        // The relay's apply needs the target's unique key back: the operator removes the copy and restores it.
        MoveFixture.exec(
                t,
                "DELETE FROM items_new a USING items_new b WHERE a.ctid > b.ctid AND "
                        + kind.row(112, "a.") + " AND " + kind.row(112, "b.")
                        + "; ALTER TABLE items_new ADD PRIMARY KEY (" + kind.key + ")");

        // The repair rewrites each key from the source (authoritative before cutover) through the relay.
        Repair repair = verifier.repair(null, false);
        assertThat(repair.planned()).hasSize(15);
        assertThat(repair.after().passed()).as(repair.after().toString()).isTrue();
        assertThat(repair.after().driftRows()).isZero();
        assertThat(MoveFixture.rows(f.source.dataSource(), "SELECT count(*) FROM items"))
                .isEqualTo(MoveFixture.rows(t, "SELECT count(*) FROM items_new"));
    }

    /** The keys of generated rows, as verification names them (the target's key as a row value). */
    private static List<String> keys(MoveFixture f, int... g) {
        return java.util.Arrays.stream(g).mapToObj(i -> key(f, i)).toList();
    }

    private static String key(MoveFixture f, int g) {
        String cols = f.kind == MoveFixture.KeyKind.COMPOSITE ? "k, k2" : "k";
        return MoveFixture.rows(
                        f.source.dataSource(),
                        "SELECT ROW(" + cols + ")::text FROM (SELECT " + f.kind.values + " FROM generate_series(" + g
                                + ", " + g + ") g) s(" + cols + ")")
                .getFirst();
    }
}
