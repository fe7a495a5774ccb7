package dev.tandem.bench;

import java.util.Arrays;

/**
 * What a reading delivery (one that does not apply to the target) reported: how many changes, the
 * latest fence it saw, and, when asked, every arrival for the latency figures.
 *
 * <p>Thread-safe: the delivery's thread reports, the harness reads; every field is guarded by {@code
 * this}.
 */
final class Received implements ChangeDelivery.Listener {
    private final boolean recording;
    private long changes;
    private long fence;
    private long firstMicros;
    private long lastMicros;
    private int recorded;
    private long[] ids = new long[0];
    private long[] changeNos = new long[0];
    private long[] ats = new long[0];

    /** @param recording whether to keep every arrival, for {@link #replay} */
    Received(boolean recording) {
        this.recording = recording;
    }

    @Override
    public synchronized void delivered(ChangeDelivery.Delivered d) {
        if (d.id() == 0) {
            fence = Math.min(fence, d.changeNo());
            notifyAll();
            return;
        }
        if (changes++ == 0) {
            firstMicros = d.atMicros();
        }
        lastMicros = d.atMicros();
        if (recording) {
            if (recorded == ids.length) {
                int size = Math.max(1024, recorded * 2);
                ids = Arrays.copyOf(ids, size);
                changeNos = Arrays.copyOf(changeNos, size);
                ats = Arrays.copyOf(ats, size);
            }
            ids[recorded] = d.id();
            changeNos[recorded] = d.delete() ? 0 : d.changeNo();
            ats[recorded++] = d.atMicros();
        }
    }

    /** Whether the fence {@code value} (or a later one: fences go down) has been seen. */
    synchronized boolean sawFence(long value) {
        return fence <= value && fence != 0;
    }

    synchronized long changes() {
        return changes;
    }

    synchronized long firstMicros() {
        return firstMicros;
    }

    synchronized long lastMicros() {
        return lastMicros;
    }

    /** Hands every recorded arrival to the latency figures. */
    synchronized void replay(Latency latency) {
        for (int i = 0; i < recorded; i++) {
            latency.arrived(ids[i], changeNos[i], ats[i]);
        }
    }
}
