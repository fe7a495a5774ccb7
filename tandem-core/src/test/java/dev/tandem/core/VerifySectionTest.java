package dev.tandem.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The optional {@code verify:} section: its defaults, a full one, and every way it can be wrong. */
class VerifySectionTest {
    private static final String OPERATIONS = """
              - add_column:
                  table: customers
                  column: { name: nickname, type: text, nullable: true }
            """;

    @Test
    void shouldDefaultToNoInvariantsNoDriftAndAnHourWhenAbsent() {
        Migration m = MigrationFiles.parse("0001_x.yaml", MigrationValidationTest.HEADER + OPERATIONS);

        assertThat(m.verify()).isEqualTo(VerifySpec.DEFAULT);
        assertThat(m.verify().maxDriftRows()).isZero();
        assertThat(m.verify().window()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void shouldReadInvariantsTheDriftBoundAndTheWindow() {
        Migration m = MigrationFiles.parse("0001_x.yaml", """
                service: customers
                owner: team-crm
                rationale: a reason
                verify:
                  max_drift_rows: 3
                  window: 30m
                  invariants:
                    - name: order_total
                      old: SELECT sum(total) FROM orders
                      new: "SELECT sum(total_cents) / 100.0 FROM invoices;"
                    - { name: customers, old: "WITH c AS (SELECT 1 FROM customers) SELECT count(*) FROM c", new: SELECT count(*) FROM customers }
                operations:
                """ + OPERATIONS);

        assertThat(m.verify().maxDriftRows()).isEqualTo(3);
        assertThat(m.verify().window()).isEqualTo(Duration.ofMinutes(30));
        assertThat(m.verify().invariants())
                .extracting(VerifySpec.Invariant::name, VerifySpec.Invariant::oldSql, VerifySpec.Invariant::newSql)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "order_total",
                                "SELECT sum(total) FROM orders",
                                "SELECT sum(total_cents) / 100.0 FROM invoices"),
                        org.assertj.core.groups.Tuple.tuple(
                                "customers",
                                "WITH c AS (SELECT 1 FROM customers) SELECT count(*) FROM c",
                                "SELECT count(*) FROM customers"));
    }

    @Test
    void shouldNameEveryProblemWithItsPlace() {
        String text = """
                service: customers
                owner: team-crm
                rationale: a reason
                verify:
                  max_drift_rows: -1
                  window: soon
                  treshold: 3
                  invariants:
                    - name: Total
                      old: DELETE FROM orders
                      new: SELECT 1; SELECT 2
                    - { name: count, old: SELECT count(*) FROM orders }
                    - { name: count, old: SELECT 1, new: SELECT 1 }
                operations:
                """ + OPERATIONS;

        assertThat(MigrationValidationTest.problems("0001_x.yaml", text))
                .anySatisfy(p -> assertThat(p).startsWith("0001_x.yaml:5:").contains("max_drift_rows '-1'"))
                .anySatisfy(p -> assertThat(p).startsWith("0001_x.yaml:6:").contains("window 'soon'", "30m"))
                .anySatisfy(p -> assertThat(p).startsWith("0001_x.yaml:7:").contains("treshold"))
                .anySatisfy(p -> assertThat(p).startsWith("0001_x.yaml:9:").contains("invariant name 'Total'"))
                .anySatisfy(
                        p -> assertThat(p).startsWith("0001_x.yaml:10:").contains("must be a query (SELECT or WITH)"))
                .anySatisfy(p -> assertThat(p).startsWith("0001_x.yaml:11:").contains("must be one statement"))
                .anySatisfy(p -> assertThat(p).startsWith("0001_x.yaml:12:").contains("missing required field 'new'"))
                .anySatisfy(p -> assertThat(p).startsWith("0001_x.yaml:13:").contains("'count' is named twice"));
    }
}
