package dev.pagestore.manager;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Keeps the device work on one page in one reactor at a time, so that for every page the WAL order, the data-file
 * order and the acknowledgement order agree even with several reactors, and no read is on the device while another
 * reactor writes the page. Pages map to stripes; a reactor owns a stripe while it has reads or writes in progress on
 * pages of it (counted locally), and another reactor's operation on that stripe waits. Within a reactor, same-page
 * order is kept by the reactor's busy-page check.
 *
 * <h2>Hand-over</h2>
 * A reactor that keeps overlapping work on a stripe (a hot page read at queue depth) would never let its count reach
 * zero, and another reactor's requests on that stripe would wait until their deadline. So a reactor that fails to take
 * a stripe <em>announces</em> itself as its waiter, refreshing the announcement on every attempt; the owner then admits
 * no new work on that stripe, its count drains, and the waiter takes it next (the owner does not retake a stripe a
 * fresh waiter is announced on). An announcement not refreshed for {@link #WAITER_FRESH_NANOS} is ignored, so a waiter
 * whose requests expired or went away blocks nobody.
 *
 * <p>Thread safety: {@link #tryAcquire}/{@link #release} from reactor threads; each reactor passes its own counts.
 */
final class PageStripes {
    static final int STRIPES = 4096;
    /** How long a waiter's announcement holds without being refreshed. */
    static final long WAITER_FRESH_NANOS = 1_000_000L;

    private final AtomicIntegerArray owner = new AtomicIntegerArray(STRIPES);
    /** Reactor index + 1 of the announced waiter; 0 for none. */
    private final AtomicIntegerArray waiter = new AtomicIntegerArray(STRIPES);
    /** {@link System#nanoTime()} of the waiter's last attempt. */
    private final AtomicLongArray waiterSeen = new AtomicLongArray(STRIPES);

    static int stripeOf(long page) {
        return (int) ((page ^ (page >>> 17)) & (STRIPES - 1));
    }

    /** Takes {@code stripe} for reactor {@code reactor} (0-based) unless another holds it or waits for it. */
    boolean tryAcquire(int stripe, int reactor, int[] localCounts, long nowNanos) {
        int me = reactor + 1;
        if (localCounts[stripe] > 0) {
            if (anotherWaits(stripe, me, nowNanos)) {
                return false;  // let this reactor's work on the stripe drain, then hand it over
            }
            localCounts[stripe]++;
            return true;
        }
        if (!anotherWaits(stripe, me, nowNanos) && owner.compareAndSet(stripe, 0, me)) {
            waiter.compareAndSet(stripe, me, 0);  // our own announcement is answered
            localCounts[stripe] = 1;
            return true;
        }
        if (!anotherWaits(stripe, me, nowNanos)) {
            waiter.set(stripe, me);
        }
        if (waiter.get(stripe) == me) {
            waiterSeen.set(stripe, nowNanos);
        }
        return false;
    }

    private boolean anotherWaits(int stripe, int me, long nowNanos) {
        int announced = waiter.get(stripe);
        return announced != 0 && announced != me && nowNanos - waiterSeen.get(stripe) < WAITER_FRESH_NANOS;
    }

    void release(int stripe, int reactor, int[] localCounts) {
        assert localCounts[stripe] > 0 && owner.get(stripe) == reactor + 1 : "stripe " + stripe + " not held";
        if (--localCounts[stripe] == 0) {
            owner.set(stripe, 0);
        }
    }
}
