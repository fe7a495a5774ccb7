package dev.tandem.verify;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.Operation;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import dev.tandem.core.VerifySpec;
import dev.tandem.postgres.Engine;
import dev.tandem.postgres.EngineOptions;
import dev.tandem.postgres.MigrationStatus;
import dev.tandem.postgres.Sql;
import dev.tandem.postgres.UpColumns;
import dev.tandem.relay.MoveHook;
import dev.tandem.relay.MoveRegistry;
import dev.tandem.relay.MoveStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * Verification (DESIGN.md, Verification): whether a migration's new side equals its old side, and if
 * not, which keys differ and how. A move compares the source's rows, projected through its {@code
 * columns}, with the target's by key, across stores; a migration within one store compares each row's
 * new columns with their {@code up} over its old columns. Every result is recorded in the store's
 * {@code tandem.verifications}, which the cutover gate ({@link VerificationGate}) reads.
 */
public final class Verifier {
    private final DataSource store;
    private final Map<String, DataSource> stores;
    private final int parallelism;
    private final Duration segmentTime;
    private final Duration lagBound;
    private final double floatTolerance;
    private final Consumer<String> listener;
    private final long maxRowsPerSecond;
    private volatile double lastStreamRate;

    private Verifier(Builder b) {
        this.store = b.store;
        this.stores = Map.copyOf(b.stores);
        this.parallelism = b.parallelism;
        this.segmentTime = b.segmentTime;
        this.lagBound = b.lagBound;
        this.floatTolerance = b.floatTolerance;
        this.listener = b.listener;
        this.maxRowsPerSecond = b.maxRowsPerSecond;
    }

    /** A verifier of the migrations recorded in {@code store} (for a move, its source store). */
    public static Builder builder(DataSource store) {
        return new Builder(store);
    }

    public static final class Builder {
        private final DataSource store;
        private Map<String, DataSource> stores = Map.of();
        private int parallelism = 2;
        private Duration segmentTime = Duration.ofMillis(250);
        private Duration lagBound; // null: each move's own bound, as started with --max-lag
        private double floatTolerance = 1e-12;
        private Consumer<String> listener = line -> {};
        private long maxRowsPerSecond;

        private Builder(DataSource store) {
            this.store = store;
        }

        /** The other stores by name: a move's target store, by the name its file gives. */
        public Builder stores(Map<String, DataSource> stores) {
            this.stores = Map.copyOf(stores);
            return this;
        }

        /** Segments compared at once; each takes a session on each store. */
        public Builder parallelism(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("parallelism must be 1 or more, got " + n);
            }
            this.parallelism = n;
            return this;
        }

        /** The time one segment's fingerprint should take; segments grow or shrink toward it. */
        public Builder segmentTime(Duration d) {
            this.segmentTime = d;
            return this;
        }

        /**
         * How long a differing key may be in flight before it counts as drift; by default each move's own
         * lag bound (its {@code --max-lag} at start).
         */
        public Builder lagBound(Duration d) {
            this.lagBound = d;
            return this;
        }

        /** The relative difference below which two floats are equal. */
        public Builder floatTolerance(double t) {
            this.floatTolerance = t;
            return this;
        }

        /**
         * A ceiling on rows compared per second, so that a pass beside a live workload takes a bounded
         * share of the stores; 0 (the default) for none.
         */
        public Builder maxRowsPerSecond(long n) {
            if (n < 0) {
                throw new IllegalArgumentException("max rows per second must be 0 or more, got " + n);
            }
            this.maxRowsPerSecond = n;
            return this;
        }

        /** Where progress lines go. */
        public Builder listener(Consumer<String> listener) {
            this.listener = listener;
            return this;
        }

        public Verifier build() {
            return new Verifier(this);
        }
    }

    /** The lag bound for a pair versioned by {@code v}: the builder's, else the move's own, else the default. */
    private Duration bound(Versions v) {
        if (lagBound != null) {
            return lagBound;
        }
        return v instanceof MoveVersions m ? m.maxLag() : MoveStatus.DEFAULT_MAX_LAG;
    }

    /**
     * Rows per second of the (key, hash) streaming of the last run's drill-downs: the rows streamed over
     * the time the sessions spent streaming them, per session (so two sessions streaming at once each
     * count their own rows and time).
     */
    public double lastStreamRate() {
        return lastStreamRate;
    }

    /**
     * Verifies the migration {@code migrationId} (the active one when null), records the result, and
     * returns it.
     *
     * @throws TandemException {@link ErrorCode#PHASE_INVALID} before the backfill is done, and {@link
     *     ErrorCode#USAGE} when a move's target store was not given
     */
    public Verification verify(String migrationId) {
        return record(run(migrationId).verification());
    }

    /** What one run found: the recorded result, with every drifted key (the result keeps a sample). */
    record Run(Verification verification, List<Found> allDrift, Subject subject) {}

    Run run(String migrationId) {
        Subject subject = subject(migrationId);
        Instant began = Instant.now();
        long t0 = System.nanoTime();
        Outcome o =
                subject.move() != null ? compare(subject.pairs(), subject.versions()) : compareShapes(subject.pairs());
        List<InvariantResult> invariants = invariants(subject);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        long max = subject.migration().verify().maxDriftRows();
        boolean passed = o.drift().size() <= max
                && o.unresolved() == 0
                && invariants.stream().allMatch(InvariantResult::held);
        Verification v = new Verification(
                0,
                subject.id(),
                began,
                took,
                subject.pairs().stream().map(Verifier::describe).toList(),
                o.method(),
                o.rows(),
                o.rows() / Math.max(took.toNanos() / 1e9, 1e-9),
                o.drift().size(),
                o.drift().stream().limit(Verification.SAMPLE).map(Found::drift).toList(),
                o.cleared(),
                o.unresolved(),
                invariants,
                max,
                passed);
        return new Run(v, o.drift(), subject);
    }

    Verification record(Verification v) {
        try (Connection c = store.getConnection()) {
            Verification recorded = Verifications.record(c, v);
            listener.accept("verification of " + v.migrationId() + ": " + (v.passed() ? "passed" : "FAILED") + ", "
                    + v.rows() + " rows, " + v.driftRows() + " drifted");
            return recorded;
        } catch (SQLException e) {
            throw new TandemException(
                    ErrorCode.DATABASE_ERROR, "the verification result could not be recorded: " + e.getMessage());
        }
    }

    /**
     * Finds the drifted keys of {@code migrationId} (a verification, recorded) and, unless {@code dryRun},
     * rewrites each from the side that is right (see {@link Repairs}), then verifies again and records
     * that too. A dry run changes nothing.
     */
    public Repair repair(String migrationId, boolean dryRun) {
        Run run = run(migrationId);
        Verification found = record(run.verification());
        List<Drift> planned = run.allDrift().stream().map(Found::drift).toList();
        if (dryRun) {
            return new Repair(planned, true, null, found);
        }
        if (planned.isEmpty()) {
            return new Repair(planned, false, found, found);
        }
        Subject s = run.subject();
        try {
            for (Pair pair : s.pairs()) {
                List<Found> mine = Repairs.of(run.allDrift(), pair);
                if (mine.isEmpty()) {
                    continue;
                }
                listener.accept("repairing " + mine.size() + " key(s) of " + pair.name());
                if (s.move() != null) {
                    MoveVersions v = (MoveVersions) s.versions().get(pair);
                    Repairs.move(v.registered(), store, v.target(), pair, mine);
                } else {
                    Repairs.shapes(store, pair, mine, Duration.ofMillis(500));
                }
            }
        } catch (SQLException e) {
            throw new TandemException(
                    ErrorCode.DATABASE_ERROR,
                    "the repair of " + s.id() + " failed: " + e.getMessage()
                            + "; what was delivered is applied, the rest is not: verify again");
        }
        return new Repair(planned, false, verify(s.id()), found);
    }

    /** What a pass over changed keys found: how many keys it read again, and what of them drifted. */
    record ChangedPass(long keys, List<Drift> drift, long cleared, long unresolved) {}

    /**
     * Re-verifies only the keys of a move that changed since {@code marks} last looked (each read again
     * on both sides once delivered, as suspects are); nothing is recorded, because only a whole
     * verification counts for the gate.
     */
    ChangedPass changed(Subject subject, ChangedKeys marks) {
        long keys = 0;
        long cleared = 0;
        long unresolved = 0;
        List<Drift> drift = new ArrayList<>();
        try {
            for (Map.Entry<Pair, List<Suspect>> e : marks.advance(subject).entrySet()) {
                Pair pair = e.getKey();
                keys += e.getValue().size();
                try (StorePool oldPool =
                                new StorePool(pair.old().store(), pair.old().dataSource(), 1);
                        StorePool newPool =
                                new StorePool(pair.neu().store(), pair.neu().dataSource(), 1)) {
                    Recheck.Outcome o = new Recheck(
                                    pair,
                                    oldPool,
                                    newPool,
                                    subject.versions().get(pair),
                                    bound(subject.versions().get(pair)),
                                    floatTolerance)
                            .run(e.getValue());
                    o.drift().forEach(f -> drift.add(f.drift()));
                    cleared += o.cleared();
                    unresolved += o.unresolved().size();
                }
            }
        } catch (SQLException e) {
            throw new TandemException(
                    ErrorCode.DATABASE_ERROR,
                    "re-verifying the changed keys of " + subject.id() + " failed: " + e.getMessage());
        }
        return new ChangedPass(keys, drift, cleared, unresolved);
    }

    /**
     * Compares two tables outside any migration (the benchmark's, an operator's spot check); the result
     * is not recorded.
     */
    public Verification compareTables(TablePair p) {
        DataSource other = store(p.newStore());
        try {
            Map<String, String> types = columnTypes(other, p.newTable());
            Map<String, String> oldTypes = columnTypes(store, p.oldTable());
            List<Column> key = new ArrayList<>();
            for (String k : p.key()) {
                if (!types.containsKey(k) || !oldTypes.containsKey(k)) {
                    throw new TandemException(
                            ErrorCode.USAGE,
                            "key column " + k + " is not on both " + p.oldTable() + " and " + p.newTable());
                }
                key.add(new Column(k, types.get(k)));
            }
            List<Column> columns = new ArrayList<>();
            Map<String, String> identity = new LinkedHashMap<>();
            boolean sameTypes = true;
            for (Map.Entry<String, String> e : types.entrySet()) {
                if (oldTypes.containsKey(e.getKey())) {
                    columns.add(new Column(e.getKey(), e.getValue()));
                    identity.put(e.getKey(), Sql.id(e.getKey()));
                    sameTypes &= e.getValue().equals(oldTypes.get(e.getKey()));
                }
            }
            Pair pair = new Pair(
                    p.newTable(),
                    new Side("old", "old", store, p.oldTable(), identity, !sameTypes),
                    new Side("new", p.newStore(), other, p.newTable(), identity, false),
                    key,
                    hashable(other, columns));
            Instant began = Instant.now();
            long t0 = System.nanoTime();
            Outcome o = compare(List.of(pair), Map.of());
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            return new Verification(
                    0,
                    "(tables)",
                    began,
                    took,
                    List.of(describe(pair)),
                    o.method(),
                    o.rows(),
                    o.rows() / Math.max(took.toNanos() / 1e9, 1e-9),
                    o.drift().size(),
                    o.drift().stream()
                            .limit(Verification.SAMPLE)
                            .map(Found::drift)
                            .toList(),
                    o.cleared(),
                    o.unresolved(),
                    List.of(),
                    0,
                    o.drift().isEmpty() && o.unresolved() == 0);
        } catch (SQLException e) {
            throw new TandemException(
                    ErrorCode.DATABASE_ERROR,
                    "comparing " + p.oldTable() + " with " + p.newTable() + " failed: " + e.getMessage());
        }
    }

    private record Outcome(String method, long rows, List<Found> drift, long cleared, long unresolved) {}

    private Outcome compare(List<Pair> pairs, Map<Pair, Versions> versions) {
        long rows = 0;
        long cleared = 0;
        long unresolved = 0;
        long streamed = 0;
        long streamNanos = 0;
        int segments = 0;
        List<Found> drift = new ArrayList<>();
        for (Pair pair : pairs) {
            try (StorePool oldPool =
                            new StorePool(pair.old().store(), pair.old().dataSource(), parallelism);
                    StorePool newPool =
                            new StorePool(pair.neu().store(), pair.neu().dataSource(), parallelism)) {
                Scan scan = new Scan(pair, oldPool, newPool, parallelism, segmentTime.toNanos(), this::progress);
                scan.maxRowsPerSecond = maxRowsPerSecond;
                scan.run();
                Recheck recheck = new Recheck(
                        pair,
                        oldPool,
                        newPool,
                        versions.getOrDefault(pair, Versions.NONE),
                        bound(versions.get(pair)),
                        floatTolerance);
                Recheck.Outcome o = recheck.run(List.copyOf(scan.suspects));
                rows += scan.rows.get();
                drift.addAll(o.drift());
                cleared += o.cleared();
                unresolved += o.unresolved().size() + scan.unexplained.get();
                if (scan.unexplained.get() > 0) {
                    listener.accept(scan.unexplained.get() + " range(s) of " + pair.name() + " kept differing"
                            + " fingerprints while no key in them differed; counted as unresolved");
                }
                streamed += scan.streamedRows.get();
                streamNanos += scan.streamNanos.get();
                segments += scan.segments.get();
                if (!o.unresolved().isEmpty()) {
                    listener.accept(o.unresolved().size() + " key(s) of " + pair.name()
                            + " were still changing when the re-checks ran out: "
                            + o.unresolved().stream()
                                    .limit(10)
                                    .map(Suspect::key)
                                    .toList());
                }
            } catch (SQLException e) {
                throw new TandemException(
                        ErrorCode.DATABASE_ERROR, "verifying " + pair.name() + " failed: " + e.getMessage());
            }
        }
        lastStreamRate = streamNanos == 0 ? 0 : streamed / (streamNanos / 1e9);
        return new Outcome(
                "fine ranges at key quantiles (" + segments + " fingerprinted: a single-column key's in one scan"
                        + " per store, grouped by range; other keys' " + parallelism + " at a time per store, sized"
                        + " toward " + segmentTime.toMillis() + " ms); per range the count and the sums mod 2^64 of"
                        + " each canonical row's 64-bit hash (hash_record_extended) through two seeded finishers"
                        + " (hashint8extended, seeds 1 and 2); differing ranges streamed as (key, hash) and"
                        + " merge-joined; suspects re-checked once"
                        + " delivered (lag bound "
                        + versions.values().stream()
                                .map(v -> bound(v).toSeconds())
                                .findFirst()
                                .orElse(bound(null).toSeconds())
                        + " s) and counted only if their version held",
                rows,
                drift,
                cleared,
                unresolved);
    }

    private Outcome compareShapes(List<Pair> pairs) {
        long rows = 0;
        List<Found> drift = new ArrayList<>();
        for (Pair pair : pairs) {
            try (StorePool pool = new StorePool("store", store, parallelism)) {
                ShapeScan scan = new ShapeScan(
                        pair,
                        pool,
                        new Recheck(pair, pool, pool, Versions.NONE, bound(null), floatTolerance),
                        this::progress);
                scan.run();
                rows += scan.rows.get();
                drift.addAll(scan.drift);
            } catch (SQLException e) {
                throw new TandemException(
                        ErrorCode.DATABASE_ERROR, "verifying " + pair.name() + " failed: " + e.getMessage());
            }
        }
        return new Outcome(
                "each row's new columns against their up over its old columns, in one read of the row,"
                        + " segment by segment (" + parallelism + " at a time)",
                rows,
                drift,
                0,
                0);
    }

    private void progress(Scan.Progress p) {
        // A line per tenth of the estimate at most: a log, not a flood.
        long step = Math.max(1, p.estimated() / 10);
        if (p.rows() / step != (p.rows() - Scan.FINE_ROWS) / step) {
            listener.accept(p.table() + ": " + p.rows() + " of about " + p.estimated() + " rows compared");
        }
    }

    private static String describe(Pair p) {
        return p.old().label() + " " + p.old().table() + " (" + p.old().store() + ") against "
                + p.neu().label() + " " + p.neu().table() + " (" + p.neu().store() + ") by "
                + p.key().stream().map(Column::name).toList();
    }

    /** What a migration's verification compares, and how its changes are versioned. */
    record Subject(
            String id,
            Migration migration,
            MigrationStatus status,
            List<Pair> pairs,
            MoveRegistry.Registered move,
            DataSource target,
            Map<Pair, Versions> versions) {}

    Subject subject(String migrationId) {
        Engine engine = Engine.create(store, EngineOptions.builder().build());
        MigrationStatus status = engine.status(migrationId)
                .orElseThrow(() -> new TandemException(
                        ErrorCode.NO_ACTIVE_MIGRATION,
                        "no migration to verify: give --migration ID (`tandem status` lists them)"));
        if (status.phase() == Phase.PLANNED || status.phase() == Phase.EXPANDED) {
            throw new TandemException(
                    ErrorCode.PHASE_INVALID,
                    "migration " + status.id() + " is " + status.phase()
                            + "; verification compares a migration whose backfill is done"
                            + (status.catchingUp() != null ? " (" + status.catchingUp() + ")" : ""));
        }
        if (status.phase() == Phase.COMPLETE || status.phase() == Phase.ROLLED_BACK) {
            throw new TandemException(
                    ErrorCode.PHASE_INVALID,
                    "migration " + status.id() + " is " + status.phase() + "; there is no second side left to compare");
        }
        Migration m = engine.migration(status.id())
                .orElseThrow(() -> new TandemException(
                        ErrorCode.SPEC_INVALID, "the recorded file of " + status.id() + " no longer parses"));
        try {
            List<Operation.MoveTable> moves = m.operations().stream()
                    .filter(o -> o instanceof Operation.MoveTable)
                    .map(o -> (Operation.MoveTable) o)
                    .toList();
            if (!moves.isEmpty()) {
                List<Pair> pairs = new ArrayList<>();
                Map<Pair, Versions> versions = new LinkedHashMap<>();
                MoveRegistry.Registered first = null;
                DataSource firstTarget = null;
                for (Operation.MoveTable op : moves) {
                    String specId = MoveHook.spec(m, op).migrationId();
                    MoveRegistry.Registered r;
                    try (Connection c = store.getConnection()) {
                        r = MoveRegistry.find(c, specId)
                                .orElseThrow(() -> new TandemException(
                                        ErrorCode.PHASE_INVALID,
                                        "the move " + specId + " is not registered in this store"));
                    }
                    DataSource target = store(r.store());
                    Pair pair = movePair(r, target);
                    pairs.add(pair);
                    versions.put(
                            pair,
                            new MoveVersions(
                                    store,
                                    target,
                                    r,
                                    MoveStatus.of(store, null, specId).maxLag()));
                    if (first == null) {
                        first = r;
                        firstTarget = target;
                    }
                }
                return new Subject(status.id(), m, status, pairs, first, firstTarget, versions);
            }
            List<Pair> pairs = new ArrayList<>();
            for (UpColumns u : engine.upColumns(status.id())) {
                pairs.add(shapePair(u));
            }
            return new Subject(status.id(), m, status, pairs, null, null, Map.of());
        } catch (SQLException e) {
            throw new TandemException(
                    ErrorCode.DATABASE_ERROR, "reading what " + status.id() + " compares failed: " + e.getMessage());
        }
    }

    DataSource store(String name) {
        DataSource ds = stores.get(name);
        if (ds == null) {
            throw new TandemException(
                    ErrorCode.USAGE,
                    "store " + name + " is not given; pass --store " + name + "=URL (or TANDEM_STORE_"
                            + name.toUpperCase(java.util.Locale.ROOT) + "_URL)");
        }
        return ds;
    }

    private Pair movePair(MoveRegistry.Registered r, DataSource target) throws SQLException {
        var spec = r.spec();
        String targetTable = Sql.id(spec.targetSchema(), spec.targetTable());
        Map<String, String> types = columnTypes(target, targetTable);
        List<Column> columns = new ArrayList<>();
        Map<String, String> identity = new LinkedHashMap<>();
        for (String c : spec.columns().keySet()) {
            String type = types.get(c);
            if (type == null) {
                throw new TandemException(
                        ErrorCode.SPEC_INVALID,
                        "column " + c + " of " + targetTable + " is mapped by the move but not on the target");
            }
            columns.add(new Column(c, type));
            identity.put(c, Sql.id(c));
        }
        List<Column> key =
                spec.targetKey().stream().map(k -> new Column(k, types.get(k))).toList();
        String sourceTable = Sql.id(spec.sourceSchema(), spec.sourceTable());
        // The capture trigger keys changes by the text of the source's own key expressions. Where their
        // types differ from the target key's, the key text is written in the source's types on both sides.
        List<String> sourceKeyTypes = resultTypes(
                store,
                key.stream().map(k -> "(" + spec.columns().get(k.name()) + ")").toList(),
                sourceTable);
        List<String> targetKeyTypes =
                resultTypes(target, key.stream().map(Column::quoted).toList(), targetTable);
        Map<String, String> sourceKeyText = new LinkedHashMap<>();
        Map<String, String> targetKeyText = new LinkedHashMap<>();
        boolean differ = false;
        for (int i = 0; i < key.size(); i++) {
            differ |= !sameKeyText(sourceKeyTypes.get(i), targetKeyTypes.get(i));
        }
        for (int i = 0; i < key.size() && differ; i++) {
            sourceKeyText.put(
                    key.get(i).name(), "(" + spec.columns().get(key.get(i).name()) + ")");
            targetKeyText.put(key.get(i).name(), "CAST(" + key.get(i).quoted() + " AS " + sourceKeyTypes.get(i) + ")");
        }
        return new Pair(
                targetTable,
                new Side("source", "source", store, sourceTable, spec.columns(), true, sourceKeyText, differ),
                new Side("target", r.store(), target, targetTable, identity, false, targetKeyText, false),
                key,
                hashable(target, columns));
    }

    /**
     * Whether two key types write the same text for the same key and compare within one operator family
     * (so an uncast range on either serves both): the same type, the integers, or the unpadded strings.
     */
    static boolean sameKeyText(String a, String b) {
        List<String> integers = List.of("int2", "int4", "int8");
        List<String> strings = List.of("text", "varchar");
        return a.equals(b)
                || (integers.contains(a) && integers.contains(b))
                || (strings.contains(a) && strings.contains(b));
    }

    /** The types of {@code expressions} over {@code table}, as the server describes its result columns. */
    private static List<String> resultTypes(DataSource ds, List<String> expressions, String table) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT " + String.join(", ", expressions) + " FROM " + table + " LIMIT 0");
                ResultSet rs = ps.executeQuery()) {
            List<String> out = new ArrayList<>();
            for (int i = 1; i <= expressions.size(); i++) {
                // The driver names a column with a sequence default by its pseudo-type (bigserial): no
                // type of that name exists to cast to.
                String t = rs.getMetaData().getColumnTypeName(i);
                out.add(
                        switch (t) {
                            case "smallserial" -> "int2";
                            case "serial" -> "int4";
                            case "bigserial" -> "int8";
                            default -> t;
                        });
            }
            return out;
        }
    }

    private Pair shapePair(UpColumns u) throws SQLException {
        String table = Sql.id(u.schema(), u.table());
        Map<String, String> types = columnTypes(store, table);
        Map<String, String> up = new LinkedHashMap<>();
        Map<String, String> identity = new LinkedHashMap<>();
        List<Column> key = new ArrayList<>();
        for (int i = 0; i < u.keyColumns().size(); i++) {
            String k = u.keyColumns().get(i);
            key.add(new Column(k, u.keyTypes().get(i)));
            up.put(k, Sql.id(k));
            identity.put(k, Sql.id(k));
        }
        List<Column> columns = new ArrayList<>();
        for (Map.Entry<String, String> e : u.up().entrySet()) {
            columns.add(new Column(e.getKey(), types.get(e.getKey())));
            up.put(e.getKey(), e.getValue());
            identity.put(e.getKey(), Sql.id(e.getKey()));
        }
        return new Pair(
                table,
                new Side("up over the old shape", "store", store, table, up, true),
                new Side("new shape", "store", store, table, identity, false),
                key,
                hashable(store, columns));
    }

    /**
     * Whether values of {@code type} hash by something local to their store: an enum hashes its label's
     * OID, which the same label has another of in another database (so too its domains and arrays).
     */
    private static boolean enumLike(Connection c, String type) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT 'e' IN (t.typtype, b.typtype, e.typtype, eb.typtype)
                FROM pg_type t
                LEFT JOIN pg_type b ON b.oid = t.typbasetype
                LEFT JOIN pg_type e ON e.oid = coalesce(nullif(b.typelem, 0), t.typelem)
                LEFT JOIN pg_type eb ON eb.oid = e.typbasetype
                WHERE t.oid = CAST(? AS regtype)""")) {
            ps.setString(1, type);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** The columns with {@code asText} set for each type PostgreSQL has no hash function for, or an enum. */
    static List<Column> hashable(DataSource ds, List<Column> columns) throws SQLException {
        Map<String, Boolean> byType = new java.util.HashMap<>();
        try (Connection c = ds.getConnection()) {
            for (Column col : columns) {
                if (!byType.containsKey(col.type())) {
                    boolean ok;
                    try (Statement s = c.createStatement()) {
                        s.execute("SELECT hash_record_extended(ROW(NULL::" + col.type() + "), 0)");
                        ok = !enumLike(c, col.type());
                    } catch (SQLException e) {
                        ok = false; // no hash function for the type (42883)
                    }
                    byType.put(col.type(), ok);
                }
            }
        }
        return columns.stream()
                .map(c -> new Column(c.name(), c.type(), !byType.get(c.type())))
                .toList();
    }

    /** Each column of a table with its type, as {@code format_type} writes it (with its modifier). */
    static Map<String, String> columnTypes(DataSource ds, String table) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT attname, format_type(atttypid, atttypmod)"
                        + " FROM pg_attribute WHERE attrelid = CAST(? AS regclass) AND attnum > 0 AND NOT attisdropped"
                        + " ORDER BY attnum")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        if (out.isEmpty()) {
            throw new TandemException(ErrorCode.USAGE, "table " + table + " has no columns or does not exist");
        }
        return out;
    }

    /**
     * Each invariant of the file, on both sides. Under live writes two aggregates read at two moments can
     * differ by what was in flight between them, so a difference is read again (after the move's changes
     * are delivered, at most the lag bound) before it counts.
     */
    private List<InvariantResult> invariants(Subject s) {
        List<InvariantResult> out = new ArrayList<>();
        for (VerifySpec.Invariant inv : s.migration().verify().invariants()) {
            InvariantResult r = null;
            long until = System.nanoTime()
                    + bound(s.versions().values().stream().findFirst().orElse(null))
                            .toNanos();
            do {
                if (r != null) {
                    sleep(Duration.ofMillis(200));
                }
                String old = one(store, null, inv.oldSql(), inv.name());
                String neu = s.target() != null
                        ? one(s.target(), null, inv.newSql(), inv.name())
                        : one(store, s.status().versionSchema(), inv.newSql(), inv.name());
                r = new InvariantResult(inv.name(), old, neu, java.util.Objects.equals(old, neu));
            } while (!r.held() && s.move() != null && System.nanoTime() < until);
            out.add(r);
        }
        return out;
    }

    private static String one(DataSource ds, String searchPath, String sql, String name) {
        try (Connection c = StorePool.open(ds);
                Statement st = c.createStatement()) {
            if (searchPath != null) {
                st.execute("SET search_path = " + Sql.id(searchPath) + ", public");
            }
            try (ResultSet rs = st.executeQuery(sql)) {
                if (!rs.next()) {
                    return null;
                }
                List<String> values = new ArrayList<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    values.add(rs.getString(i));
                }
                return String.join(", ", values);
            }
        } catch (SQLException e) {
            throw new TandemException(
                    ErrorCode.SPEC_INVALID, "invariant " + name + " failed to run: " + e.getMessage());
        }
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TandemException(ErrorCode.DATABASE_ERROR, "interrupted");
        }
    }
}
