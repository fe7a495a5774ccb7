package dev.tandem.relay;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;
import org.postgresql.copy.PGCopyOutputStream;

/** One COPY's rows streamed from one server into another's COPY, on the caller's thread, with pgjdbc's CopyManager. */
final class CopyStream {
    private CopyStream() {}

    /**
     * Streams the rows of {@code read} ({@code COPY ... TO STDOUT}) on {@code from} into {@code write}
     * ({@code COPY ... FROM STDIN}) on {@code to}, and returns how many rows {@code from} sent. When
     * either side fails, the other's COPY is ended too, so both connections can run statements again
     * (the target's transaction is then failed, as after any error).
     */
    static long pipe(Connection from, String read, Connection to, String write) throws SQLException {
        CopyOut out = from.unwrap(PGConnection.class).getCopyAPI().copyOut(read);
        CopyIn in = null;
        try {
            in = to.unwrap(PGConnection.class).getCopyAPI().copyIn(write);
            // The source sends a message per row; the target gets them in 64 kB messages.
            PGCopyOutputStream sink = new PGCopyOutputStream(in, 65_536);
            byte[] row;
            while ((row = out.readFromCopy()) != null) {
                sink.write(row);
            }
            sink.endCopy();
            return out.getHandledRowCount();
        } catch (IOException e) {
            SQLException failed =
                    new SQLException("the copy's stream to the target failed: " + e.getMessage(), "08006", e);
            end(out, in, failed);
            throw failed;
        } catch (SQLException | RuntimeException e) {
            end(out, in, e);
            throw e;
        }
    }

    private static void end(CopyOut out, CopyIn in, Exception failure) {
        try {
            if (in != null && in.isActive()) {
                in.cancelCopy();
            }
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
        try {
            // Read to the end rather than cancel: a cancel request races with the connection's next statement.
            while (out.isActive() && out.readFromCopy() != null) {
                // discarded
            }
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }
}
