package dev.pagestore.manager;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Keeps the device work on one page in one reactor at a time, so that for every page the WAL order, the data-file
 * order and the acknowledgement order agree even with several reactors, and no read is on the device while another
 * reactor writes the page. Pages map to stripes; a reactor owns a stripe while it has reads or writes in progress on
 * pages of it (counted locally), and another reactor's operation on that stripe waits. Within a reactor, same-page
 * order is kept by the reactor's busy-page check.
 *
 * <p>Thread safety: {@link #tryAcquire}/{@link #release} from reactor threads; each reactor passes its own counts.
 */
final class PageStripes {
    static final int STRIPES = 4096;
    private final AtomicIntegerArray owner = new AtomicIntegerArray(STRIPES);

    static int stripeOf(long page) {
        return (int) ((page ^ (page >>> 17)) & (STRIPES - 1));
    }

    /** Takes {@code stripe} for reactor {@code reactor} (0-based) unless another holds it. */
    boolean tryAcquire(int stripe, int reactor, int[] localCounts) {
        if (localCounts[stripe] > 0) {
            localCounts[stripe]++;
            return true;
        }
        if (owner.compareAndSet(stripe, 0, reactor + 1)) {
            localCounts[stripe] = 1;
            return true;
        }
        return false;
    }

    void release(int stripe, int reactor, int[] localCounts) {
        assert localCounts[stripe] > 0 && owner.get(stripe) == reactor + 1 : "stripe " + stripe + " not held";
        if (--localCounts[stripe] == 0) {
            owner.set(stripe, 0);
        }
    }
}
