package dev.tandem.postgres;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.Phase;
import dev.tandem.core.TandemException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What {@code migrate} does with a directory of migrations, found by comparing its files with the
 * database's history. Computing it changes nothing. Immutable.
 *
 * <p>The directory owns the schemas its files name. On those schemas, the migrations the database has
 * applied (every recorded one except those rolled back), oldest first, must be the directory's first
 * files, unchanged and in the same order. Each way they are not is a {@link Conflict}: an applied file
 * that changed or is gone, an order that differs, a new file that sorts before an applied one, a file
 * whose migration was rolled back after it had started (tandem never starts an id twice), or an active
 * migration that only its own command can take further. A migration whose start failed and undid
 * itself counts as not applied: it is started again, from its file as it is now. Migrations recorded on
 * other schemas are not compared, and {@link #notes()} says so.
 *
 * <p>Without conflicts, {@link #actions()} applies every file in order: a file not applied yet is
 * started (expand, then backfill), an active one has its backfill finished if it is not, and each is
 * completed before the next is started, except the last file, which is left started unless {@code
 * completeLast}. A complete that stopped part-way is always finished: rollback is no longer possible.
 */
public final class MigrationPlan {
    /** One way the files and the history disagree, or a migration migrate cannot take further. */
    public record Conflict(String file, String migrationId, String problem) {
        @Override
        public String toString() {
            return file + " (" + migrationId + "): " + problem;
        }
    }

    /** One command migrate runs, at {@code position} of {@code total} files (both counted from 1). */
    public record Action(Kind kind, Migration migration, int position, int total) {
        public enum Kind {
            /** Expand, then backfill, as {@code tandem start}. */
            START,
            /** Finish the backfill of a migration started before, as {@code tandem backfill --resume}. */
            BACKFILL,
            /** Remove the old shape, as {@code tandem complete}. */
            COMPLETE
        }

        /** {@code [2/5] 0002_add_email: start}. */
        @Override
        public String toString() {
            return "[" + position + "/" + total + "] " + migration.id() + ": "
                    + kind.name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A file of the directory, at {@code position} (from 1), with the phase recorded for it ({@code null}
     * when it is not applied, which includes a start that failed) and what migrate does with it.
     */
    public record Entry(Migration migration, int position, Phase phase, List<Action> actions) {
        public Entry {
            actions = List.copyOf(actions);
        }
    }

    /** A migration as the database recorded it, oldest first; {@code unfinished} as {@link MigrationStatus}. */
    record Recorded(
            String id,
            String schema,
            Phase phase,
            String checksum,
            String source,
            boolean startFailed,
            UnfinishedStage unfinished) {
        boolean applied() {
            return phase != Phase.ROLLED_BACK;
        }
    }

    private final List<Entry> entries;
    private final List<Conflict> conflicts;
    private final List<String> notes;

    private MigrationPlan(List<Entry> entries, List<Conflict> conflicts, List<String> notes) {
        this.entries = List.copyOf(entries);
        this.conflicts = List.copyOf(conflicts);
        this.notes = List.copyOf(notes);
    }

    /** Every file of the directory, in order. */
    public List<Entry> entries() {
        return entries;
    }

    /** Every disagreement found, in file order; migrate refuses to change anything while there is one. */
    public List<Conflict> conflicts() {
        return conflicts;
    }

    /** What was not compared, for people. */
    public List<String> notes() {
        return notes;
    }

    /** Every action, in the order migrate runs them; empty when there is nothing to do. */
    public List<Action> actions() {
        return entries.stream().flatMap(e -> e.actions().stream()).toList();
    }

    /** The files migrate will start, in order: the ones to lint before anything changes. */
    public List<Migration> toStart() {
        return actions().stream()
                .filter(a -> a.kind() == Action.Kind.START)
                .map(Action::migration)
                .toList();
    }

    /** Throws {@link ErrorCode#HISTORY_MISMATCH}, listing every conflict, if there is any. */
    public void requireNoConflicts() {
        if (conflicts.isEmpty()) {
            return;
        }
        throw new TandemException(
                ErrorCode.HISTORY_MISMATCH,
                "the migration files and the database's history disagree (" + conflicts.size()
                        + (conflicts.size() == 1 ? " problem" : " problems") + "); nothing was changed:\n  "
                        + conflicts.stream().map(Conflict::toString).collect(Collectors.joining("\n  ")));
    }

    /** Compares {@code files}, in the order they apply, with the {@code history}, oldest first. */
    static MigrationPlan compare(List<Migration> files, List<Recorded> history, boolean completeLast) {
        Map<String, Integer> position = new HashMap<>();
        Set<String> schemas = new HashSet<>();
        for (int i = 0; i < files.size(); i++) {
            position.put(files.get(i).id(), i);
            schemas.add(files.get(i).schema());
        }
        Map<String, Recorded> recorded = new HashMap<>();
        List<Conflict> conflicts = new ArrayList<>();
        Set<String> conflicted = new HashSet<>();
        List<Recorded> applied = new ArrayList<>();
        Map<String, Integer> otherSchemas = new TreeMap<>();
        for (Recorded r : history) {
            Integer at = position.get(r.id());
            if (at == null && !schemas.contains(r.schema())) {
                if (r.applied()) {
                    otherSchemas.merge(r.schema(), 1, Integer::sum);
                }
                continue;
            }
            Migration file = at == null ? null : files.get(at);
            recorded.put(r.id(), r);
            String problem = problem(r, file);
            if (problem != null) {
                conflicts.add(new Conflict(file == null ? r.source() : file.source(), r.id(), problem));
                conflicted.add(r.id());
            }
            if (r.applied() && file != null) {
                applied.add(r);
            }
        }
        conflicts.addAll(orderConflicts(files, position, applied, recorded, conflicted));
        conflicts.sort(java.util.Comparator.comparing(
                c -> position.getOrDefault(c.migrationId(), -1))); // gone files first, then in file order

        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            Migration m = files.get(i);
            Recorded r = recorded.get(m.id());
            boolean last = i == files.size() - 1;
            Phase phase = r == null || r.startFailed() ? null : r.phase();
            entries.add(new Entry(m, i + 1, phase, actions(m, r, i + 1, files.size(), completeLast || !last)));
        }
        List<String> notes = new ArrayList<>();
        otherSchemas.forEach((schema, count) -> notes.add("not compared: " + count
                + (count == 1 ? " migration" : " migrations") + " recorded on schema " + schema
                + ", which no file in the directory is on"));
        return new MigrationPlan(entries, conflicts, notes);
    }

    /** Why a recorded migration with this file (null when there is none) stops migrate; null if it does not. */
    private static String problem(Recorded r, Migration file) {
        if (r.startFailed()) {
            return null; // nothing of it stayed: a file, changed or not, is simply started again
        }
        if (!r.applied()) {
            return file == null
                    ? null
                    : "was rolled back after it had started, and tandem never starts an id twice: remove the file,"
                            + " or move it to a new id (its file name, unless it sets `id:`) that sorts after every"
                            + " applied file";
        }
        if (file == null) {
            return "is " + r.phase() + " in the database, but no file in the directory has this id: an applied"
                    + " migration stays in the directory; put the file back";
        }
        if (!r.checksum().equals(file.checksum())) {
            return "was applied from a file with checksum " + shortSum(r.checksum()) + ", but the file now has "
                    + shortSum(file.checksum())
                    + ": an applied file must not change; restore it, and put the change in a new migration";
        }
        if (r.unfinished() != null && r.unfinished().stage() == Stage.ROLLBACK) {
            return "a rollback of it stopped part-way: finish it with `tandem rollback --migration " + r.id()
                    + "`, then remove the file or give the migration a new id";
        }
        if (r.phase() == Phase.PLANNED) {
            return "its start did not finish (PLANNED): if no other tandem process is starting it, `tandem"
                    + " rollback --migration " + r.id() + "` removes what it made, and migrate then starts it again";
        }
        return null;
    }

    /**
     * An applied migration that sorts before one applied earlier, and a file not applied that sorts
     * before an applied one.
     */
    private static List<Conflict> orderConflicts(
            List<Migration> files,
            Map<String, Integer> position,
            List<Recorded> applied,
            Map<String, Recorded> recorded,
            Set<String> conflicted) {
        List<Conflict> out = new ArrayList<>();
        int lastApplied = -1;
        for (Recorded r : applied) {
            int at = position.get(r.id());
            List<String> earlier = new ArrayList<>();
            for (Recorded before : applied) {
                if (before == r) {
                    break;
                }
                if (position.get(before.id()) > at) {
                    earlier.add(describe(files.get(position.get(before.id()))));
                }
            }
            if (!earlier.isEmpty()) {
                out.add(new Conflict(
                        files.get(at).source(),
                        r.id(),
                        "sorts before " + String.join(", ", earlier) + ", but the database applied "
                                + (earlier.size() == 1 ? "it" : "them")
                                + " first: files apply in name order, so they must sort in the order the database"
                                + " applied them (a file that does not set `id:` takes its id from its name)"));
            }
            lastApplied = Math.max(lastApplied, at);
        }
        for (int i = 0; i < lastApplied; i++) {
            Migration m = files.get(i);
            Recorded r = recorded.get(m.id());
            if ((r == null || r.startFailed()) && !conflicted.contains(m.id())) {
                out.add(new Conflict(
                        m.source(),
                        m.id(),
                        "is not applied" + (r == null ? "" : " (its start failed and was undone)")
                                + ", but sorts before " + describe(files.get(lastApplied))
                                + ", which the database applied: a new migration must sort after every applied"
                                + " one; rename it"));
            }
        }
        return out;
    }

    private static List<Action> actions(Migration m, Recorded r, int position, int total, boolean complete) {
        List<Action> actions = new ArrayList<>();
        if (r == null || r.startFailed()) {
            actions.add(new Action(Action.Kind.START, m, position, total));
        } else if (!r.phase().active()) {
            return actions; // COMPLETE; a ROLLED_BACK one is a conflict
        } else if (r.unfinished() != null && r.unfinished().stage() == Stage.COMPLETE) {
            // Part of the old shape is gone, so complete is the only way on, last file or not.
            actions.add(new Action(Action.Kind.COMPLETE, m, position, total));
            return actions;
        } else if (r.phase() == Phase.EXPANDED) {
            actions.add(new Action(Action.Kind.BACKFILL, m, position, total));
        }
        if (complete) {
            actions.add(new Action(Action.Kind.COMPLETE, m, position, total));
        }
        return actions;
    }

    private static String describe(Migration m) {
        return m.source() + " (" + m.id() + ")";
    }

    private static String shortSum(String checksum) {
        return checksum.substring(0, Math.min(12, checksum.length()));
    }
}
