package dev.tandem.cli;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.random.RandomGenerator;

/**
 * An application writing to {@code customers} on its own thread and connection: inserts, and updates
 * of rows in its own id range, in one shape. The old shape uses the table as it is (name, email) with
 * the default search_path; the new shape puts the version schema first on its search_path and writes
 * first_name, last_name and email_address. Remembers the last values it wrote to each row, so the demo
 * can check that the other shape reads exactly those.
 */
final class DemoWriter implements Runnable {
    /** Leaves CPU for the backfill on a small machine; still hundreds of writes a second. */
    private static final long PAUSE_NANOS = Duration.ofMillis(2).toNanos();

    enum Shape {
        OLD,
        NEW
    }

    /** A row as a writer sees it; in the old shape, name is first + " " + last. */
    record Row(long id, String first, String last, String email) {
        String name() {
            return first + " " + last;
        }
    }

    private final Shape shape;
    private final DemoDatabase database;
    private final String versionSchema;
    private final long updateFrom;
    private final long updateTo;
    private final RandomGenerator random;
    private final Map<Long, Row> written = new ConcurrentHashMap<>();
    private final AtomicLong inserts = new AtomicLong();
    private final AtomicLong updates = new AtomicLong();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile Exception failure;
    private volatile Row lastInsert;

    /** Writes in {@code shape}; updates only ids in [updateFrom, updateTo], so writers never share a row. */
    DemoWriter(
            Shape shape,
            DemoDatabase database,
            String versionSchema,
            long updateFrom,
            long updateTo,
            RandomGenerator random) {
        this.shape = shape;
        this.database = database;
        this.versionSchema = versionSchema;
        this.updateFrom = updateFrom;
        this.updateTo = updateTo;
        this.random = random;
        this.thread = new Thread(this, "demo-" + shape.name().toLowerCase(Locale.ROOT) + "-shape-writer");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Stops after the current write and waits for the thread. */
    void stop() throws InterruptedException {
        stopping = true;
        thread.join(Duration.ofSeconds(30));
    }

    @Override
    public void run() {
        String tag = shape == Shape.OLD ? "old" : "new";
        try (Connection c = database.connect(shape == Shape.OLD ? null : versionSchema);
                PreparedStatement insert = c.prepareStatement(
                        shape == Shape.OLD
                                ? "INSERT INTO customers (name, email) VALUES (?, ?) RETURNING id"
                                : "INSERT INTO customers (first_name, last_name, email_address) VALUES (?, ?, ?)"
                                        + " RETURNING id");
                PreparedStatement update = c.prepareStatement(
                        shape == Shape.OLD
                                ? "UPDATE customers SET name = ?, email = ? WHERE id = ?"
                                : "UPDATE customers SET first_name = ?, last_name = ?, email_address = ? WHERE id = ?")) {
            for (long n = 1; !stopping; n++) {
                String first = DemoDatabase.FIRST_NAMES.get(random.nextInt(DemoDatabase.FIRST_NAMES.size()));
                String last = DemoDatabase.LAST_NAMES.get(random.nextInt(DemoDatabase.LAST_NAMES.size()));
                if (n % 2 == 1) {
                    String email = tag + "-ins-" + n + "@demo.test";
                    bind(insert, first, last, email);
                    try (ResultSet rs = insert.executeQuery()) {
                        rs.next();
                        Row row = new Row(rs.getLong(1), first, last, email);
                        written.put(row.id(), row);
                        lastInsert = row;
                    }
                    inserts.incrementAndGet();
                } else {
                    long id = random.nextLong(updateFrom, updateTo + 1);
                    String email = tag + "-upd-" + n + "@demo.test";
                    update.setLong(bind(update, first, last, email), id);
                    if (update.executeUpdate() == 1) {
                        written.put(id, new Row(id, first, last, email));
                        updates.incrementAndGet();
                    }
                }
                LockSupport.parkNanos(PAUSE_NANOS);
            }
        } catch (SQLException | RuntimeException e) {
            failure = e;
        }
    }

    /** Binds the row's values in this shape; returns the next parameter index. */
    private int bind(PreparedStatement s, String first, String last, String email) throws SQLException {
        if (shape == Shape.OLD) {
            s.setString(1, first + " " + last);
            s.setString(2, email);
            return 3;
        }
        s.setString(1, first);
        s.setString(2, last);
        s.setString(3, email);
        return 4;
    }

    Shape shape() {
        return shape;
    }

    /** The last values this writer gave each row it wrote, by id. */
    Map<Long, Row> written() {
        return Map.copyOf(written);
    }

    long inserts() {
        return inserts.get();
    }

    long updates() {
        return updates.get();
    }

    /** The last row this writer inserted; null before its first insert. */
    Row lastInsert() {
        return lastInsert;
    }

    /** What stopped this writer early; null when it never failed. */
    Exception failure() {
        return failure;
    }
}
