package dev.tandem.bench;

/**
 * The first baseline: PostgreSQL's built-in logical replication, with its defaults. A publication of
 * {@code bench_orders} on the source and a subscription on the target, created disabled and without
 * an initial copy (both sides start from the same seed), so its slot keeps every change from then on
 * and nothing is applied until {@link #start} enables it.
 *
 * <p>The subscription keeps PostgreSQL's default {@code synchronous_commit = off} for its apply worker,
 * as any deployment that does not change it does.
 */
final class LogicalReplicationDelivery implements ChangeDelivery {
    private Store source;
    private Store target;

    @Override
    public String key() {
        return "logical_replication";
    }

    @Override
    public String name() {
        return "PostgreSQL logical replication";
    }

    @Override
    public boolean appliesToTarget() {
        return true;
    }

    @Override
    public void prepare(Store source, Store target, Listener listener) {
        this.source = source;
        this.target = target;
        source.exec("CREATE PUBLICATION bench_pub FOR TABLE bench_orders");
        // Slots are per server: name this one after the target database, which is unique.
        target.exec("CREATE SUBSCRIPTION bench_sub CONNECTION '" + source.conninfo() + "' PUBLICATION bench_pub"
                + " WITH (enabled = false, copy_data = false, slot_name = '" + slot() + "')");
    }

    @Override
    public void start() {
        target.exec("ALTER SUBSCRIPTION bench_sub ENABLE");
    }

    /** The apply worker retries a failing change forever; the harness should not wait for it. */
    @Override
    public void check() {
        String errors =
                target.query("SELECT apply_error_count FROM pg_stat_subscription_stats WHERE subname = 'bench_sub'");
        if (errors != null && Long.parseLong(errors) > 0) {
            throw new IllegalStateException(
                    "the subscription's apply worker failed " + errors + " times; the target server's log says why");
        }
    }

    @Override
    public void close() {
        if (target != null) {
            // Dropping the subscription drops its slot on the source too.
            target.exec("ALTER SUBSCRIPTION bench_sub DISABLE", "DROP SUBSCRIPTION bench_sub");
            source.exec("DROP PUBLICATION bench_pub");
        }
    }

    private String slot() {
        return "bench_sub_" + target.database();
    }
}
