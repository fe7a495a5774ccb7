package dev.tandem.bench;

/**
 * The SQL of the relay benchmarks' table, {@code bench_orders}, in one place: its shape, the seed both
 * sides start from, the fingerprint that says two sides are equal, the fence row the harness writes to
 * know a delivery caught up, and the arrival log a target keeps for the latency figures.
 *
 * <p>Row 0 is the fence: the workload never touches it, and the harness sets its {@code change_no}
 * to a new negative number each time it needs to know that everything written before has arrived.
 */
final class OrdersTable {
    private OrdersTable() {}

    static final String TABLE = "bench_orders";

    static final String CREATE = """
            CREATE TABLE bench_orders (
                id bigint PRIMARY KEY,
                customer_id bigint NOT NULL,
                total numeric(12,2) NOT NULL,
                status text NOT NULL,
                note text,
                change_no bigint NOT NULL,
                updated_at timestamptz NOT NULL
            )""";

    /** The rows {@code 0..n}: the same on every server, computed rather than drawn. */
    static String seed(long rows) {
        return """
                INSERT INTO bench_orders (id, customer_id, total, status, note, change_no, updated_at)
                SELECT g, 1 + (g * 7919) %% 100000, ((g * 104729) %% 10000000) / 100.0,
                       (ARRAY['new', 'paid', 'packed', 'shipped', 'delivered', 'cancelled'])[1 + g %% 6],
                       'seeded order ' || md5(g::text), 0, timestamptz '2025-01-01 00:00:00+00' + g * interval '1 second'
                FROM generate_series(0::bigint, %d) g""".formatted(rows);
    }

    /**
     * The row count and an md5 of every row in key order, hashed in segments of 100,000 keys so that
     * no single string grows past what PostgreSQL can hold at 10M rows. Equal fingerprints mean equal
     * tables, row for row and column for column (numeric scale and timestamps included).
     */
    static final String FINGERPRINT = """
            SELECT coalesce(sum(n), 0) || ' rows, md5 ' || coalesce(md5(string_agg(h, '' ORDER BY b)), '-')
            FROM (SELECT id / 100000 AS b, count(*) AS n, md5(string_agg(t::text, ',' ORDER BY id)) AS h
                  FROM bench_orders t GROUP BY 1) s""";

    static final String INSERT = """
            INSERT INTO bench_orders (id, customer_id, total, status, note, change_no, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)""";

    static final String UPDATE = """
            UPDATE bench_orders SET total = ?, status = ?, note = ?, change_no = ?, updated_at = ?
            WHERE id = ?""";

    static final String DELETE = "DELETE FROM bench_orders WHERE id = ?";

    static final String FENCE = "UPDATE bench_orders SET change_no = ? WHERE id = 0";

    static final String FENCE_VALUE = "SELECT change_no FROM bench_orders WHERE id = 0";

    /**
     * The target's arrival log: a row per applied change with the time it was applied, written by a
     * trigger that fires for every writer, the logical replication apply worker included ({@code
     * ENABLE ALWAYS}). Inserts and updates name their change by {@code change_no}; deletes by id. The
     * apply worker runs with an empty search_path, hence the qualified names.
     */
    static final String[] ARRIVALS = {
        "CREATE UNLOGGED TABLE public.bench_arrivals (id bigint NOT NULL, change_no bigint, at timestamptz NOT NULL)",
        """
        CREATE FUNCTION public.bench_arrived() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                INSERT INTO public.bench_arrivals VALUES (OLD.id, NULL, clock_timestamp());
            ELSE
                INSERT INTO public.bench_arrivals VALUES (NEW.id, NEW.change_no, clock_timestamp());
            END IF;
            RETURN NULL;
        END $$""",
        """
        CREATE TRIGGER bench_arrived AFTER INSERT OR UPDATE OR DELETE ON public.bench_orders
        FOR EACH ROW EXECUTE FUNCTION public.bench_arrived()""",
        "ALTER TABLE public.bench_orders ENABLE ALWAYS TRIGGER bench_arrived"
    };

    static final String ARRIVED = """
            SELECT id, change_no, (extract(epoch FROM at) * 1000000)::bigint
            FROM bench_arrivals WHERE id <> 0""";

    /** Creates the table and its seed of rows {@code 0..rows} in a store, analyses it and checkpoints. */
    static void createAndSeed(Store store, long rows) {
        store.exec(CREATE, seed(rows), "VACUUM ANALYZE bench_orders", "CHECKPOINT");
    }

    static String fingerprint(Store store) {
        return store.query(FINGERPRINT);
    }
}
