package dev.tandem.bench;

import java.sql.Connection;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;
import org.postgresql.copy.PGCopyOutputStream;

/**
 * The copy baseline: {@code COPY ... TO STDOUT} on the source piped straight into {@code COPY ... FROM
 * STDIN} on the target, in PostgreSQL's binary format, by pgjdbc's CopyManager on one thread. No
 * parsing, no transformation: the fastest way to move rows between two servers from a client.
 */
final class CopyPipe implements RowCopy {
    @Override
    public String key() {
        return "copy_pipe";
    }

    @Override
    public String name() {
        return "COPY TO STDOUT piped into COPY FROM STDIN (binary)";
    }

    @Override
    public void copy(Store source, Store target) throws Exception {
        try (Connection from = source.connect("bench-copy-out");
                Connection to = target.connect("bench-copy-in")) {
            CopyOut out =
                    from.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY bench_orders TO STDOUT (FORMAT binary)");
            CopyIn in =
                    to.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY bench_orders FROM STDIN (FORMAT binary)");
            // Rows arrive one CopyData message each; send them on in 64 kB messages.
            try (PGCopyOutputStream sink = new PGCopyOutputStream(in, 65_536)) {
                byte[] data;
                while ((data = out.readFromCopy()) != null) {
                    sink.write(data);
                }
            }
        }
    }
}
