package dev.tandem.bench;

import dev.tandem.relay.Moves;

/** The copy of a move's existing rows, as {@code tandem start} runs it, in batches of its default size. */
final class TandemCopy implements RowCopy {
    @Override
    public String key() {
        return "tandem_copy";
    }

    @Override
    public String name() {
        return "tandem move copy";
    }

    @Override
    public void copy(Store source, Store target) throws Exception {
        var from = source.dataSource("tandem-copy");
        var to = target.dataSource("tandem-copy");
        Moves.prepare(from, to, TandemRelayDelivery.MOVE);
        try {
            Moves.copy(from, to, TandemRelayDelivery.MOVE, Moves.COPY_BATCH);
        } finally {
            Moves.remove(from, to, TandemRelayDelivery.MOVE);
        }
    }
}
