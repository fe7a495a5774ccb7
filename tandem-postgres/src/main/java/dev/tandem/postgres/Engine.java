package dev.tandem.postgres;

import dev.tandem.core.Deprecation;
import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.MigrationFiles;
import dev.tandem.core.Phase;
import dev.tandem.core.Problem;
import dev.tandem.core.TandemException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * The PostgreSQL expand/contract engine: tandem's one entry point to a target database.
 *
 * <p>All state lives in the target database's {@code tandem} schema, so any number of engines (CLI
 * processes) may act on the same database; the database serialises them. Methods throw {@link
 * TandemException} with a stable code. Not thread-safe: use one engine per thread.
 */
public final class Engine {
    private final DataSource dataSource;
    private final EngineOptions options;
    private final StepRunner runner;

    /** How the recipe describes raw SQL steps (RecipeBuilder and ContractSteps), so `down` follows `up`. */
    private static final String RAW_UP = "raw sql (unchecked) at ";

    private static final String RAW_DOWN = "raw sql down (unchecked) at ";

    private Engine(DataSource dataSource, EngineOptions options) {
        this.dataSource = dataSource;
        this.options = options;
        this.runner = StepRunner.create(options);
    }

    public static Engine create(DataSource dataSource, EngineOptions options) {
        return new Engine(dataSource, options);
    }

    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T withConnection(String what, Work<T> work) {
        try (Connection c = Jdbc.connect(dataSource)) {
            return work.run(c);
        } catch (SQLException e) {
            throw Jdbc.failure(what, e);
        }
    }

    /** Every step {@code start}, {@code complete} and {@code rollback} would run. Changes nothing. */
    public Plan plan(Migration migration) {
        return withConnection(
                "plan " + migration.id(),
                c -> new Plan(migration, resolve(c, migration).steps()));
    }

    /** Resolves and checks a migration against the live database, or throws with every problem. */
    private Recipe resolve(Connection c, Migration m) throws SQLException {
        Catalog catalog = Catalog.load(c, m.schema());
        ShapeModel model = ShapeModel.resolve(m, catalog);
        List<Problem> problems = new ArrayList<>(FragmentCheck.check(m));
        problems.addAll(model.problems());
        problems.addAll(DependentsCheck.check(c, model));
        problems.addAll(PartitionCheck.check(c, model));
        if (problems.isEmpty()) {
            problems.addAll(ExpressionCheck.check(c, model));
        }
        if (!problems.isEmpty()) {
            throw new TandemException(
                    ErrorCode.SCHEMA_MISMATCH,
                    m.source() + " does not fit the database (" + problems.size()
                            + (problems.size() == 1 ? " problem" : " problems") + "); nothing was changed:\n  "
                            + problems.stream().map(Problem::toString).collect(Collectors.joining("\n  ")),
                    problems);
        }
        return RecipeBuilder.build(model);
    }

    /**
     * Expands the schema (new columns and tables, sync triggers, the version schema), then backfills,
     * unless {@link EngineOptions#backfill()} is false. A file that fails validation against the live
     * database changes nothing: no tandem state, no DDL. If a step fails after expand began, what was
     * done is rolled back and the migration is recorded as ROLLED_BACK; it may then be started again,
     * from the same file or a fixed one, as a new attempt in its history.
     */
    public MigrationStatus start(Migration m) {
        return withConnection("start " + m.id(), c -> {
            Optional<StateStore.Row> previous = StateStore.find(c, m.id());
            // Only a start that failed and undid itself may run again: any later phase is applied.
            boolean again = previous.isPresent() && Attempts.startFailed(c, previous.get());
            if (previous.isPresent() && !again) {
                StateStore.Row row = previous.get();
                if (!row.checksum().equals(m.checksum())) {
                    throw new TandemException(
                            ErrorCode.CHECKSUM_MISMATCH,
                            "migration " + m.id() + " was applied from a file with checksum "
                                    + row.checksum().substring(0, 12) + ", but " + m.source() + " now has "
                                    + m.checksum().substring(0, 12)
                                    + ". An applied file must not change: put the change in a new migration");
                }
                throw new TandemException(
                        ErrorCode.PHASE_INVALID,
                        "migration " + m.id() + " was already started; it is " + row.phase()
                                + (row.phase().active() ? ". `tandem status` shows where it stands" : ""));
            }
            Optional<StateStore.Row> active = StateStore.active(c).stream()
                    .filter(r -> r.schema().equals(m.schema()))
                    .findFirst();
            if (active.isPresent()) {
                throw new TandemException(
                        ErrorCode.MIGRATION_ACTIVE,
                        "migration " + active.get().id() + " is still active on schema " + m.schema() + " ("
                                + active.get().phase() + "); complete or roll it back first");
            }
            Recipe recipe = resolve(c, m);
            StateStore.ensure(c);
            inTransaction(c, () -> {
                if (again) {
                    Attempts.restart(c, m, options.actor());
                } else {
                    StateStore.insert(c, m, options.actor());
                }
                StateStore.saveSteps(c, m.id(), recipe);
            });
            try {
                runStage(c, m.id(), Stage.EXPAND);
                options.hook().afterExpand(m);
                StateStore.Row row = StateStore.find(c, m.id()).orElseThrow();
                inTransaction(c, () -> {
                    BackfillState.initialise(c, m.id(), recipe.backfills());
                    StateStore.transition(c, row, Phase.EXPANDED, false, null, options.actor());
                });
            } catch (TandemException | SQLException e) {
                options.listener().info("start failed; removing what it created");
                undo(c, m.id());
                try {
                    if (StateStore.find(c, m.id()).orElseThrow().phase() == Phase.ROLLED_BACK) {
                        options.listener()
                                .info("removed; once the cause is fixed, `tandem start` runs " + m.id()
                                        + " again, from this file or a changed one");
                    }
                } catch (SQLException hint) {
                    e.addSuppressed(hint); // the failure of start is what the caller must see
                }
                throw e;
            }
            options.listener()
                    .info("expanded: old clients go on as they are; the new shape is served once the backfill is done");
            if (options.backfill()) {
                runBackfill(c, m.id());
            }
            return status(c, m.id());
        });
    }

    private void undo(Connection c, String id) {
        try {
            StateStore.find(c, id).flatMap(StateStore.Row::parsed).ifPresent(m -> {
                try {
                    options.hook().beforeRollback(m);
                } catch (SQLException e) {
                    throw new TandemException(ErrorCode.DATABASE_ERROR, e.getMessage(), e);
                }
            });
            if (StateStore.steps(c, id, Stage.EXPAND).stream().anyMatch(StateStore.StoredStep::done)) {
                runStage(c, id, Stage.ROLLBACK);
            }
            StateStore.Row row = StateStore.find(c, id).orElseThrow();
            inTransaction(
                    c, () -> StateStore.transition(c, row, Phase.ROLLED_BACK, false, "start failed", options.actor()));
        } catch (TandemException | SQLException e) {
            options.listener()
                    .info("could not undo everything: " + e.getMessage() + "; run `tandem rollback --migration " + id
                            + "`");
        }
    }

    private interface Block {
        void run() throws SQLException;
    }

    private static void inTransaction(Connection c, Block block) throws SQLException {
        c.setAutoCommit(false);
        try {
            block.run();
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** Runs a stage's recorded steps that have not run yet, each marked done in its own transaction. */
    private void runStage(Connection c, String id, Stage stage) throws SQLException {
        java.util.Set<String> expanded = new java.util.HashSet<>();
        for (StateStore.StoredStep s : StateStore.steps(c, id, Stage.EXPAND)) {
            if (s.done()) {
                expanded.add(s.step().description());
            }
        }
        for (StateStore.StoredStep s : StateStore.steps(c, id, stage)) {
            // Raw SQL cannot be undone idempotently: run its `down` only if its `up` ran.
            String description = s.step().description();
            if (stage == Stage.ROLLBACK
                    && description.startsWith(RAW_DOWN)
                    && !expanded.contains(RAW_UP + description.substring(RAW_DOWN.length()))) {
                continue;
            }
            if (!s.done()) {
                runner.run(c, s.step(), tx -> StateStore.markDone(tx, id, s));
            }
        }
    }

    private void runBackfill(Connection c, String id) throws SQLException {
        exclusively(c, id, Duration.ZERO, () -> {
            if (StateStore.find(c, id).orElseThrow().phase() != Phase.EXPANDED
                    || !new Backfill(c, dataSource, options, id).run(BackfillState.specs(c, id))) {
                return null;
            }
            Optional<Migration> parsed = StateStore.find(c, id).orElseThrow().parsed();
            if (parsed.isPresent()) {
                options.hook().backfill(parsed.get());
            }
            runStage(c, id, Stage.VALIDATE);
            StateStore.Row row = StateStore.find(c, id).orElseThrow();
            options.listener()
                    .info("the new shape is served: new clients use search_path " + row.versionSchema() + ", "
                            + row.schema());
            if (row.phase() == Phase.EXPANDED) {
                inTransaction(c, () -> StateStore.transition(c, row, Phase.BACKFILLED, false, null, options.actor()));
            }
            return null;
        });
    }

    private interface Locked<T> {
        T run() throws SQLException;
    }

    /**
     * Runs work that changes a migration's shape (backfill, complete, rollback) while holding that
     * migration's advisory lock, so two tandem processes never do so at once. Waits up to {@code wait}
     * for the lock, then refuses.
     */
    private <T> T exclusively(Connection c, String id, Duration wait, Locked<T> work) throws SQLException {
        long deadline = System.nanoTime() + wait.toNanos();
        String key = "hashtext('tandem.migration'), hashtext(" + Sql.literal(id) + ")";
        while (true) {
            try (java.sql.Statement s = c.createStatement();
                    java.sql.ResultSet rs = s.executeQuery("SELECT pg_try_advisory_lock(" + key + ")")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    break;
                }
            }
            if (System.nanoTime() >= deadline) {
                throw new TandemException(
                        ErrorCode.MIGRATION_ACTIVE,
                        "another tandem process is running the backfill," + " complete or rollback of " + id
                                + "; `tandem status` shows where it stands");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TandemException(ErrorCode.MIGRATION_ACTIVE, "interrupted while waiting for " + id);
            }
        }
        try {
            return work.run();
        } finally {
            // A lost session took its lock with it; trying to unlock would hide why the work failed.
            if (!c.isClosed()) {
                try (java.sql.Statement s = c.createStatement()) {
                    s.execute("SELECT pg_advisory_unlock(" + key + ")");
                }
            }
        }
    }

    /** Runs or resumes the active migration's backfill from its checkpoint, then validates constraints. */
    public MigrationStatus backfill(String migrationId) {
        return withConnection("backfill", c -> {
            StateStore.Row row = StateStore.resolve(c, migrationId);
            if (row.phase() != Phase.EXPANDED) {
                throw new TandemException(
                        ErrorCode.PHASE_INVALID,
                        "migration " + row.id() + " is " + row.phase()
                                + "; only an EXPANDED migration has a backfill to run");
            }
            BackfillState.setPaused(c, row.id(), false);
            BackfillProgress progress = BackfillState.progress(c, row.id());
            if (progress.state() == BackfillProgress.State.RUNNING) {
                options.listener().info("the backfill is running in another process; it goes on from its checkpoint");
                return status(c, row.id());
            }
            runBackfill(c, row.id());
            return status(c, row.id());
        });
    }

    /** Asks a running backfill (in any process) to pause, or a paused one to go on. */
    public MigrationStatus pauseBackfill(String migrationId, boolean paused) {
        return withConnection("pause backfill", c -> {
            StateStore.Row row = StateStore.resolve(c, migrationId);
            BackfillState.setPaused(c, row.id(), paused);
            return status(c, row.id());
        });
    }

    /**
     * Contract: removes the old shape; the tables then look as if they always had the new shape. Gate:
     * the backfill is done, every deprecated field's sunset date has passed, and no client was seen on
     * the old shape ({@code tandem.heartbeats}, side old or both) within {@link
     * EngineOptions#clientSoak()}; a forced request passes the last two, on the record.
     */
    public MigrationStatus complete(TransitionRequest request) {
        return withConnection("complete", c -> {
            String id = StateStore.resolve(c, request.migrationId()).id();
            return exclusively(c, id, Duration.ZERO, () -> complete(c, id, request));
        });
    }

    private MigrationStatus complete(Connection c, String id, TransitionRequest request) throws SQLException {
        StateStore.Row row = StateStore.find(c, id).orElseThrow();
        requireTransition(row, Phase.COMPLETE);
        if (StateStore.steps(c, row.id(), Stage.ROLLBACK).stream().anyMatch(StateStore.StoredStep::done)) {
            throw new TandemException(
                    ErrorCode.PHASE_INVALID,
                    "rollback has already begun for " + row.id()
                            + " and removed part of the new shape; finish it with `tandem rollback`");
        }
        boolean resuming =
                StateStore.steps(c, row.id(), Stage.COMPLETE).stream().anyMatch(StateStore.StoredStep::done);
        String hookRefusal =
                row.parsed().map(m -> options.hook().completeRefusal(m)).orElse(null);
        if (hookRefusal != null) {
            throw new TandemException(ErrorCode.GATE_REFUSED, "complete of " + row.id() + " refused: " + hookRefusal);
        }
        List<String> dependents = VersionSchema.dependents(c, row.versionSchema());
        if (!dependents.isEmpty() && !resuming) {
            // Not a gate either: complete drops the version schema, and nothing it holds may be dropped blindly.
            throw new TandemException(
                    ErrorCode.GATE_REFUSED,
                    "complete of " + row.id() + " refused: these objects use the new shape's views, which complete"
                            + " drops:\n  " + String.join("\n  ", dependents)
                            + "\nPoint them at the base tables (they have the new shape after complete), then complete");
        }
        List<String> refusals = new ArrayList<>();
        Migration m = MigrationFiles.parse(row.source(), row.file());
        LocalDate today = LocalDate.now(options.clock());
        for (Deprecation d : m.deprecations()) {
            if (today.isBefore(d.sunset())) {
                refusals.add(
                        d.field() + " is deprecated until its sunset on " + d.sunset() + " (" + d.location() + ")");
            }
        }
        String oldShape = Heartbeats.oldShapeRefusal(c, row.id(), options.clientSoak());
        if (oldShape != null) {
            refusals.add(oldShape);
        }
        if (!resuming) {
            // A complete that began passed its gate then; finishing it must not depend on passing it again.
            gate(row, "complete", refusals, request);
        }
        runStage(c, row.id(), Stage.COMPLETE);
        options.hook().complete(m, options.lockTimeout());
        StateStore.Row current = StateStore.find(c, row.id()).orElseThrow();
        inTransaction(
                c,
                () -> StateStore.transition(
                        c,
                        current,
                        Phase.COMPLETE,
                        request.force() && !refusals.isEmpty(),
                        request.reason(),
                        options.actor()));
        return status(c, row.id());
    }

    /** Removes the new shape; the old shape keeps every write made through either shape. */
    public MigrationStatus rollback(TransitionRequest request) {
        return withConnection("rollback", c -> {
            String id = StateStore.resolve(c, request.migrationId()).id();
            // A backfill running in another process stops at its next batch and lets go of the lock.
            BackfillState.requestStop(c, id);
            return exclusively(c, id, Duration.ofSeconds(30), () -> rollback(c, id, request));
        });
    }

    private MigrationStatus rollback(Connection c, String id, TransitionRequest request) throws SQLException {
        StateStore.Row row = StateStore.find(c, id).orElseThrow();
        requireTransition(row, Phase.ROLLED_BACK);
        if (row.rollbackRefusal() != null) {
            throw new TandemException(
                    ErrorCode.GATE_REFUSED,
                    "rollback of " + row.id() + " is not possible: " + row.rollbackRefusal()
                            + ", so its effect cannot be undone. Finish the migration with `tandem complete`,"
                            + " and undo what it did with a new migration");
        }
        if (StateStore.steps(c, row.id(), Stage.COMPLETE).stream().anyMatch(StateStore.StoredStep::done)) {
            throw new TandemException(
                    ErrorCode.PHASE_INVALID,
                    "complete has already begun for " + row.id()
                            + " and removed part of the old shape; finish it with `tandem complete`");
        }
        List<String> dependents = VersionSchema.dependents(c, row.versionSchema());
        String reason = request.reason();
        if (!dependents.isEmpty()) {
            gate(
                    row,
                    "rollback",
                    List.of("these objects use the new shape and would be dropped with its version schema: "
                            + String.join(", ", dependents)),
                    request);
            reason = reason + " (dropped with the new shape: " + String.join(", ", dependents) + ")";
            options.listener().info("dropping with the new shape: " + String.join(", ", dependents));
        }
        Optional<Migration> parsed = row.parsed();
        if (parsed.isPresent()) {
            options.hook().beforeRollback(parsed.get());
        }
        runStage(c, row.id(), Stage.ROLLBACK);
        String recorded = reason;
        inTransaction(
                c, () -> StateStore.transition(c, row, Phase.ROLLED_BACK, request.force(), recorded, options.actor()));
        return status(c, row.id());
    }

    /** Records that the new side is now authoritative. Its gates come with verification. */
    public MigrationStatus cutover(TransitionRequest request) {
        return simpleTransition(request, Phase.CUT_OVER, "cutover");
    }

    /** Records that the old side is authoritative again. */
    public MigrationStatus revert(TransitionRequest request) {
        return simpleTransition(request, Phase.VERIFIED, "revert");
    }

    private MigrationStatus simpleTransition(TransitionRequest request, Phase to, String verb) {
        return withConnection(verb, c -> {
            StateStore.Row row = StateStore.resolve(c, request.migrationId());
            if (to == Phase.VERIFIED && row.phase() != Phase.CUT_OVER) {
                throw new TandemException(
                        ErrorCode.PHASE_INVALID,
                        "migration " + row.id() + " is " + row.phase() + "; only a CUT_OVER migration can be reverted");
            }
            requireTransition(row, to);
            if (to == Phase.CUT_OVER) {
                // The new side may become authoritative only once it is caught up (DESIGN.md, Phases), and,
                // once verification exists, only after a passing one inside its window: that gate joins
                // these refusals through the hook (StageHook#cutoverRefusal).
                List<String> refusals = new ArrayList<>();
                String catchingUp = catchingUp(row);
                if (catchingUp != null) {
                    refusals.add(catchingUp);
                }
                String unverified = row.parsed()
                        .map(m -> {
                            try {
                                return options.hook().cutoverRefusal(m);
                            } catch (SQLException e) {
                                return "the cutover gate could not be read (" + e.getMessage() + ")";
                            }
                        })
                        .orElse(null);
                if (unverified != null) {
                    refusals.add(unverified);
                }
                gate(row, verb, refusals, request);
            }
            Optional<Migration> parsed = row.parsed();
            inTransaction(c, () -> {
                if (parsed.isPresent()) {
                    if (to == Phase.CUT_OVER) {
                        options.hook().cutover(parsed.get(), c, options.lockTimeout());
                    } else {
                        options.hook().revert(parsed.get(), c, options.lockTimeout());
                    }
                }
                StateStore.transition(c, row, to, request.force(), request.reason(), options.actor());
            });
            return status(c, row.id());
        });
    }

    private static void requireTransition(StateStore.Row row, Phase to) {
        if (!row.phase().canMoveTo(to)) {
            throw new TandemException(
                    ErrorCode.PHASE_INVALID,
                    "migration " + row.id() + " is " + row.phase() + " and cannot move to " + to
                            + (row.phase() == Phase.EXPANDED
                                    ? "; the backfill is not done yet (`tandem backfill --resume`)"
                                    : ""));
        }
    }

    private void gate(StateStore.Row row, String verb, List<String> refusals, TransitionRequest request) {
        if (refusals.isEmpty()) {
            return;
        }
        if (request.force()) {
            options.listener()
                    .info(verb + " forced past: " + String.join("; ", refusals) + " (reason recorded: "
                            + request.reason() + ")");
            return;
        }
        throw new TandemException(
                ErrorCode.GATE_REFUSED,
                verb + " of " + row.id() + " refused:\n  " + String.join("\n  ", refusals)
                        + "\nWait, or pass --force --reason \"...\" (recorded in the history)");
    }

    /**
     * The migration with this id, or the active one when the id is null. Empty when there is no such
     * migration, or, with a null id, when none or several are active: {@link #active()} lists them.
     */
    public Optional<MigrationStatus> status(String migrationId) {
        return withConnection("status", c -> {
            if (migrationId != null) {
                return StateStore.find(c, migrationId).isPresent()
                        ? Optional.of(status(c, migrationId))
                        : Optional.empty();
            }
            List<StateStore.Row> active = StateStore.active(c);
            return active.size() == 1 ? Optional.of(status(c, active.getFirst().id())) : Optional.empty();
        });
    }

    /** Every active migration (at most one per schema), oldest first. */
    public List<MigrationStatus> active() {
        return withConnection("list active migrations", c -> {
            List<MigrationStatus> out = new ArrayList<>();
            for (StateStore.Row r : StateStore.active(c)) {
                out.add(status(c, r.id()));
            }
            return out;
        });
    }

    /** Every migration recorded in this database, oldest first. */
    public List<MigrationStatus> migrations() {
        return withConnection("list migrations", c -> {
            List<MigrationStatus> out = new ArrayList<>();
            for (StateStore.Row r : StateStore.all(c)) {
                out.add(status(c, r.id()));
            }
            return out;
        });
    }

    /**
     * Sets a migration's runtime flags: which share of routing keys reads the new side, and, for a
     * migration within one store, which shape its clients use. The change, who made it and when, is
     * recorded in the history and announced to clients on {@link ClientState#CHANNEL} in the same
     * transaction. Writes are not a flag: they move only with {@link #cutover}.
     *
     * @throws TandemException {@link ErrorCode#FLAG_REFUSED} when the phase does not allow the request
     *     (reads to the new side before BACKFILLED, any flag once the migration is finished) or the
     *     migration moves a table (no shape); {@link ErrorCode#NO_ACTIVE_MIGRATION} or {@link
     *     ErrorCode#USAGE} when the migration cannot be resolved. A refused request changes nothing.
     */
    public FlagChange flag(FlagRequest request) {
        return withConnection("flag", c -> {
            StateStore.Row row = StateStore.resolve(c, request.migrationId());
            Optional<Migration> parsed = row.parsed();
            boolean move = parsed.isPresent()
                    && parsed.get().operations().stream()
                            .anyMatch(o -> o instanceof dev.tandem.core.Operation.MoveTable);
            String catchingUp = row.phase() == Phase.BACKFILLED ? catchingUp(row) : null;
            String refusal = Flags.refusal(row.id(), row.phase(), move, catchingUp, request);
            if (refusal != null) {
                throw new TandemException(ErrorCode.FLAG_REFUSED, "flag refused; nothing changed: " + refusal);
            }
            if (!Flags.exist(c) || !StateStore.hasHistoryEvents(c)) {
                StateStore.ensure(c); // a state schema from before flags were recorded
            }
            FlagChange change = Flags.write(c, row, request, options.actor());
            if (change.changed()) {
                options.listener().info("flags of " + row.id() + ": " + change.describe() + "; announced to clients");
            }
            return change;
        });
    }

    /**
     * The runtime side of a migration (the one with this id, or the active one when it is null): its
     * flags, each client instance's last heartbeat, and their shadow reads summed.
     *
     * @throws TandemException {@link ErrorCode#NO_ACTIVE_MIGRATION} or {@link ErrorCode#USAGE} when the
     *     migration cannot be resolved
     */
    public ClientReport clients(String migrationId) {
        return withConnection("read clients", c -> {
            String id = StateStore.resolve(c, migrationId).id();
            List<ClientHeartbeat> clients = Heartbeats.read(c, id);
            return new ClientReport(Flags.read(c, id), clients, Heartbeats.shadow(clients));
        });
    }

    /**
     * The migration's file as recorded at start (its operations, its {@code verify:} section), and its
     * id resolved: the active migration when {@code migrationId} is null. Empty when the recorded file
     * no longer parses.
     *
     * @throws TandemException {@link ErrorCode#NO_ACTIVE_MIGRATION} or {@link ErrorCode#USAGE} when the
     *     migration cannot be resolved
     */
    public Optional<Migration> migration(String migrationId) {
        return withConnection(
                "read the migration", c -> StateStore.resolve(c, migrationId).parsed());
    }

    /**
     * For each table whose new columns the migration fills from {@code up} expressions: its key and,
     * per new column, the expression over the old shape's columns that the column must equal. What
     * verification within one store compares.
     */
    public List<UpColumns> upColumns(String migrationId) {
        return withConnection(
                "read the backfill",
                c -> BackfillState.specs(c, StateStore.resolve(c, migrationId).id()).stream()
                        .map(b -> new UpColumns(
                                b.schema(),
                                b.table(),
                                b.keyColumns(),
                                b.keyTypes(),
                                b.assignments().stream()
                                        .collect(java.util.stream.Collectors.toMap(
                                                Recipe.Assignment::column,
                                                Recipe.Assignment::expression,
                                                (a, x) -> a,
                                                java.util.LinkedHashMap::new))))
                        .toList());
    }

    /** Every recorded phase change and flag change, oldest first. */
    public List<HistoryEntry> history() {
        return withConnection("history", StateStore::history);
    }

    /**
     * The migration's status, with BACKFILLED as the hook sees it now. The recorded phase says the
     * backfill (a move's copy) finished; whether a move's target is also caught up changes from one
     * moment to the next, so it is derived on every read rather than recorded, and a BACKFILLED that
     * is catching up is reported as EXPANDED with the reason. Gates that rely on BACKFILLED ask the
     * same {@link #catchingUp}, so status and gates agree.
     */
    private MigrationStatus status(Connection c, String id) throws SQLException {
        StateStore.Row r = StateStore.find(c, id).orElseThrow();
        String catchingUp = r.phase() == Phase.BACKFILLED ? catchingUp(r) : null;
        return new MigrationStatus(
                r.id(),
                r.schema(),
                r.versionSchema(),
                catchingUp == null ? r.phase() : Phase.EXPANDED,
                r.checksum(),
                r.createdAt(),
                r.updatedAt(),
                BackfillState.progress(c, id),
                StateStore.unfinished(c, r),
                r.rollbackRefusal(),
                catchingUp);
    }

    /** Why the migration does not count as backfilled now, per the hook; null when it does. */
    private String catchingUp(StateStore.Row r) throws SQLException {
        Optional<Migration> parsed = r.parsed();
        return parsed.isPresent() ? options.hook().catchingUp(parsed.get()) : null;
    }
}
