package dev.tandem.postgres;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Explains a backfill batch that failed on its data: the key range of the batch, the first row that
 * fails (found by bisecting the batch), the column and {@code up} expression being computed, and the
 * database's own message. The explanation is recorded for {@code status}, and it says what fixes the
 * failure: resuming cannot, because the same row fails the same way until its data or the expression
 * changes.
 *
 * <p>Bisecting runs the batch's own UPDATE over ever shorter prefixes of its keys, each in a
 * transaction that is rolled back, so it costs about log2(rows) times the batch's work at most and
 * changes nothing. A prefix is used rather than a half, so that a failure between two rows of the
 * batch (a unique violation) is still found: it appears with the row that completes it.
 */
final class BatchFailure {
    private final Connection c;
    private final Recipe.BackfillSpec spec;
    private final BatchSettings settings;

    /**
     * SQLSTATE classes of errors that a row's values raise: data exceptions (22), integrity
     * violations (23), errors raised by functions and triggers (2F, 38, 39, P0) and WITH CHECK OPTION
     * (44). Anything else (a timeout, a cancel, a privilege) says nothing about the rows.
     */
    private static final Set<String> ROW_ERRORS = Set.of("22", "23", "2F", "38", "39", "44", "P0");

    static boolean isAboutTheRows(SQLException e) {
        return e.getSQLState() != null
                && e.getSQLState().length() == 5
                && ROW_ERRORS.contains(e.getSQLState().substring(0, 2));
    }

    private BatchFailure(Connection c, Recipe.BackfillSpec spec, BatchSettings settings) {
        this.c = c;
        this.spec = spec;
        this.settings = settings;
    }

    /** What is known of a failure: the row and assignment are null when they could not be found. */
    private record Diagnosis(String[] row, Recipe.Assignment assignment, SQLException error) {}

    /**
     * Explains the failure of the batch over {@code [from, to]}, records it, and returns the exception
     * to throw. {@code c} has auto-commit off, and the failed batch is rolled back. Throws
     * SQLException only when the connection itself fails.
     */
    static TandemException explain(
            Connection c,
            String migrationId,
            Recipe.BackfillSpec spec,
            BatchSettings settings,
            String[] from,
            String[] to,
            SQLException failure)
            throws SQLException {
        Diagnosis d = new BatchFailure(c, spec, settings).diagnose(from, to, failure);
        String database = databaseMessage(d.error());
        String where = d.row() != null
                ? "row " + BackfillSql.describeKey(spec, d.row())
                : "keys " + BackfillSql.describeRange(spec, from, to);
        String column = d.assignment() == null
                ? null
                : "column " + describe(d.assignment().column()) + " = "
                        + d.assignment().expression();
        BackfillState.recordFailure(
                c,
                migrationId,
                spec.table(),
                where + (column == null ? "" : ", " + column) + ": " + database.replaceAll("\\s+", " "));
        c.commit();
        StringBuilder message = new StringBuilder()
                .append("the backfill of ")
                .append(spec.schema())
                .append('.')
                .append(spec.table())
                .append(" failed in the batch of keys ")
                .append(BackfillSql.describeRange(spec, from, to))
                .append("; no row of that batch was written, and the batches before it are done.");
        if (d.row() != null) {
            message.append("\n  first failing row: ").append(BackfillSql.describeKey(spec, d.row()));
        }
        if (column != null) {
            message.append("\n  computing:         ").append(column);
        } else if (spec.assignments().size() > 1) {
            message.append("\n  computing one of:  ")
                    .append(String.join(
                            "; ",
                            spec.assignments().stream()
                                    .map(a -> a.column() + " = " + a.expression())
                                    .toList()));
        }
        message.append("\n  database said:     ").append(database);
        message.append("\n`tandem backfill --resume` fails the same way until the cause is gone. Either fix ")
                .append(d.row() != null ? "that row's data" : "the data of the rows in that range")
                .append(" and resume, or roll back with `tandem rollback` and start a corrected migration,"
                        + " under a new id, whose `up` handles such rows.");
        return new TandemException(ErrorCode.DATABASE_ERROR, message.toString(), failure);
    }

    /** A type change fills a copy of the column; name the column the owner wrote, too. */
    private static String describe(String column) {
        return column.startsWith(ShapeModel.COPY_PREFIX)
                ? column + " (the new shape's " + column.substring(ShapeModel.COPY_PREFIX.length()) + ")"
                : column;
    }

    private static String databaseMessage(SQLException e) {
        String text = e.getMessage() == null ? "" : e.getMessage().strip();
        return text + (e.getSQLState() == null ? "" : " [SQLSTATE " + e.getSQLState() + "]");
    }

    private Diagnosis diagnose(String[] from, String[] to, SQLException failure) throws SQLException {
        String[] row = null;
        Recipe.Assignment assignment =
                spec.assignments().size() == 1 ? spec.assignments().getFirst() : null;
        SQLException error = failure;
        try {
            row = firstFailingRow(from, to);
            if (row != null) {
                SQLException rowError = probe(BackfillSql.update(spec), row, row);
                error = rowError == null ? failure : rowError;
                if (assignment == null) {
                    for (Recipe.Assignment a : spec.assignments()) {
                        if (probe(BackfillSql.update(spec, List.of(a)), row, row) != null) {
                            assignment = a;
                            break;
                        }
                    }
                }
            }
        } catch (SQLException e) {
            // A lock timeout or the like while probing: the batch's own error is the answer.
            if (Backfill.connectionLost(c, e)) {
                throw e;
            }
            c.rollback();
        }
        return new Diagnosis(row, assignment, error);
    }

    /** The first key whose prefix of the batch fails, or null if the whole batch no longer fails. */
    private String[] firstFailingRow(String[] from, String[] to) throws SQLException {
        List<String[]> keys = keysToUpdate(from, to);
        if (keys.isEmpty() || probe(BackfillSql.update(spec), keys.getFirst(), keys.getLast()) == null) {
            return null;
        }
        int lo = 0;
        int hi = keys.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (probe(BackfillSql.update(spec), keys.getFirst(), keys.get(mid)) != null) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return keys.get(lo);
    }

    private List<String[]> keysToUpdate(String[] from, String[] to) throws SQLException {
        List<String[]> keys = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(BackfillSql.keysToUpdate(spec))) {
            BackfillSql.bind(ps, BackfillSql.bind(ps, 1, spec, from), spec, to);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(Backfill.strings(rs.getArray(1)));
                }
            }
        }
        c.rollback();
        return keys;
    }

    /**
     * Runs {@code sql} over {@code [from, to]} as a batch would, then rolls it back. Returns the error
     * the rows raised, or null; throws any other error (a lock timeout, a lost connection), which
     * says nothing of them.
     */
    private SQLException probe(String sql, String[] from, String[] to) throws SQLException {
        settings.begin(c);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            BackfillSql.bind(ps, BackfillSql.bind(ps, 1, spec, from), spec, to);
            ps.executeUpdate();
            return null;
        } catch (SQLException e) {
            if (!isAboutTheRows(e)) {
                throw e;
            }
            return e;
        } finally {
            if (!c.isClosed()) {
                c.rollback();
            }
        }
    }
}
