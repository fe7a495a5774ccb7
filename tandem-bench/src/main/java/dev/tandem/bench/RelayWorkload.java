package dev.tandem.bench;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The changes the relay benchmarks deliver: a deterministic stream of transactions over {@code
 * bench_orders}, seeded with the ids {@code 1..seedRows}. Each transaction of {@code n} changes holds
 * {@code n/2} updates, {@code n/4} inserts and the rest deletes, so a full transaction is half updates,
 * a quarter inserts and a quarter deletes. Updates and deletes pick rows that exist at that point, and
 * no row is touched twice in one transaction, so a transaction's changes may be applied in any order.
 * Inserts take fresh ids above every id seen before, so a deleted id never comes back.
 *
 * <p>Every change carries its change number ({@code 1..changes}, in order), which inserts and updates
 * write into the row's {@code change_no}: a delivered row names the change that produced it.
 *
 * <p>The same settings always give the same transactions. Not thread-safe: one writer draws from it.
 */
final class RelayWorkload implements Iterator<RelayWorkload.Transaction> {
    /** One change to one row of {@code bench_orders}. */
    sealed interface Change permits Insert, Update, Delete {
        long id();

        long changeNo();
    }

    record Insert(long id, long changeNo, long customerId, long totalCents, String status, String note)
            implements Change {}

    record Update(long id, long changeNo, long totalCents, String status, String note) implements Change {}

    record Delete(long id, long changeNo) implements Change {}

    /** The changes of one transaction, deletes first, then updates, then inserts. */
    record Transaction(long number, List<Change> changes) {}

    /**
     * @param seedRows rows {@code 1..seedRows} present on both sides before the first change
     * @param changes how many changes in all
     * @param transactionSize changes per transaction (the last one may be smaller)
     * @param seed the seed of the generator
     */
    record Settings(long seedRows, long changes, int transactionSize, long seed) {
        Settings {
            if (transactionSize < 4) {
                throw new IllegalArgumentException(
                        "a transaction needs at least 4 changes to hold the mix, not " + transactionSize);
            }
            if (seedRows < 2L * transactionSize) {
                throw new IllegalArgumentException("seedRows " + seedRows
                        + " is too small: updates and deletes need at least twice the transaction size ("
                        + 2L * transactionSize + ") rows to pick from");
            }
            if (changes < 1) {
                throw new IllegalArgumentException("changes must be positive, not " + changes);
            }
        }

        long transactions() {
            return (changes + transactionSize - 1) / transactionSize;
        }
    }

    static final List<String> STATUSES = List.of("new", "paid", "packed", "shipped", "delivered", "cancelled");
    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyz      ";

    private final Settings settings;
    private final RandomGenerator random;
    // The ids that exist now; unordered, so a delete swaps the last one into the gap.
    private long[] live;
    private int liveCount;
    private long nextId;
    private long changeNo;
    private long transactionNo;

    private RelayWorkload(Settings settings) {
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed());
        this.live = new long[Math.toIntExact(settings.seedRows() + settings.changes() / 4 + 1)];
        for (int i = 0; i < settings.seedRows(); i++) {
            live[i] = i + 1;
        }
        this.liveCount = Math.toIntExact(settings.seedRows());
        this.nextId = settings.seedRows() + 1;
    }

    static RelayWorkload create(Settings settings) {
        return new RelayWorkload(settings);
    }

    Settings settings() {
        return settings;
    }

    /** How many rows exist after the transactions drawn so far. */
    long liveRows() {
        return liveCount;
    }

    @Override
    public boolean hasNext() {
        return changeNo < settings.changes();
    }

    @Override
    public Transaction next() {
        if (!hasNext()) {
            throw new NoSuchElementException("all " + settings.changes() + " changes were drawn");
        }
        int n = (int) Math.min(settings.transactionSize(), settings.changes() - changeNo);
        int updates = n / 2;
        int inserts = n / 4;
        int deletes = n - updates - inserts;
        List<Change> changes = new ArrayList<>(n);
        Set<Long> touched = new HashSet<>();
        for (int i = 0; i < deletes; i++) {
            int at = untouched(touched);
            long id = live[at];
            live[at] = live[--liveCount];
            changes.add(new Delete(id, ++changeNo));
        }
        for (int i = 0; i < updates; i++) {
            long id = live[untouched(touched)];
            changes.add(new Update(id, ++changeNo, cents(), status(), note()));
        }
        for (int i = 0; i < inserts; i++) {
            long id = nextId++;
            touched.add(id);
            if (liveCount == live.length) {
                live = java.util.Arrays.copyOf(live, live.length * 2);
            }
            live[liveCount++] = id;
            changes.add(new Insert(id, ++changeNo, 1 + random.nextLong(100_000), cents(), status(), note()));
        }
        return new Transaction(++transactionNo, List.copyOf(changes));
    }

    /** The index in {@code live} of a row not yet touched by this transaction, which it marks touched. */
    private int untouched(Set<Long> touched) {
        while (true) {
            int at = random.nextInt(liveCount);
            if (touched.add(live[at])) {
                return at;
            }
        }
    }

    private long cents() {
        return random.nextLong(1, 10_000_000);
    }

    private String status() {
        return STATUSES.get(random.nextInt(STATUSES.size()));
    }

    private String note() {
        char[] note = new char[16 + random.nextInt(80)];
        for (int i = 0; i < note.length; i++) {
            note[i] = LETTERS.charAt(random.nextInt(LETTERS.length()));
        }
        return new String(note);
    }
}
