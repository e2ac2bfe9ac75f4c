package dev.pagestore.manager;

import java.util.ArrayDeque;

/**
 * Page order: which accepted ops may start now. An op whose page has a write in progress here waits (in arrival
 * order) until that write ends, and a write waits for reads of its pages already on the device, so writes to one page
 * are logged, written and answered in the order they were accepted, and a read never races a write of its page on the
 * device. Across reactors, {@link PageStripes} keeps a page's reads and writes in one reactor at a time.
 *
 * <p>Started ops are handed out by {@link #takeStarted} in the order they started (writes go to the WAL in that
 * order). Reactor thread only.
 */
final class PageOrder {
    private final int reactor;
    private final PageStripes stripes;
    private final int[] stripeCounts = new int[PageStripes.STRIPES];
    private final LongCounts busyPages = new LongCounts(1024);
    /** Pages with a read on the device here: a write to one waits, so a read never races a write of its page. */
    private final LongCounts readingPages = new LongCounts(1024);
    /** Pages of ops that stayed deferred in this pass: a later op touching one stays too, keeping arrival order. */
    private final LongCounts blockedThisPass = new LongCounts(1024);
    private final ArrayDeque<Op> deferred = new ArrayDeque<>();
    private final ArrayDeque<Op> started = new ArrayDeque<>();
    /** Where a cancelled op goes back when it leaves the deferred queue. */
    private final OpPool pool;

    PageOrder(int reactor, PageStripes stripes, OpPool pool) {
        this.reactor = reactor;
        this.stripes = stripes;
        this.pool = pool;
    }

    /** An op accepted from a worker: it starts now unless something earlier still waits or its pages are busy. */
    void accept(Op op) {
        if (!deferred.isEmpty() || !tryStart(op)) {
            deferred.add(op);
        }
    }

    /** Starts the deferred ops that can start now, in arrival order; returns how many left the queue. */
    int startDeferred() {
        if (deferred.isEmpty()) {
            return 0;
        }
        int left = 0;
        blockedThisPass.clear();
        int n = deferred.size();
        for (int i = 0; i < n; i++) {
            Op op = deferred.poll();
            if (op.cancelled) {
                pool.release(op);
                left++;
                continue;
            }
            if (!touches(blockedThisPass, op) && tryStart(op)) {
                left++;
            } else {
                mark(blockedThisPass, op);
                deferred.add(op);
            }
        }
        return left;
    }

    /** The next op that started, oldest first, or null. */
    Op takeStarted() {
        return started.poll();
    }

    boolean hasDeferred() {
        return !deferred.isEmpty();
    }

    /** Gives back the marks and stripes of an op that holds them; nothing for one that never did or gave them back. */
    void releasePages(Op op) {
        if (!op.pagesHeld) {
            return;
        }
        op.pagesHeld = false;
        LongCounts marks = op.kind == Op.WRITE ? busyPages : readingPages;
        for (int m = 0; m < op.memberCount; m++) {
            for (int k = 0; k < op.pageCounts[m]; k++) {
                long page = op.firstPages[m] + k;
                marks.decrement(page);
                stripes.release(PageStripes.stripeOf(page), reactor, stripeCounts);
            }
        }
    }

    /**
     * Starts {@code op} unless one of its pages has a write in progress here (or, for a write, a read), or its stripe
     * is held by another reactor: reads take stripes too, so that no read is ever on the device while another
     * reactor writes the same page (a torn image for pages larger than the device's atomic write unit).
     */
    private boolean tryStart(Op op) {
        if (touches(busyPages, op) || (op.kind == Op.WRITE && touches(readingPages, op)) || !acquireStripes(op)) {
            return false;
        }
        op.started = true;
        op.pagesHeld = true;
        mark(op.kind == Op.WRITE ? busyPages : readingPages, op);
        started.add(op);
        return true;
    }

    private boolean acquireStripes(Op op) {
        long now = System.nanoTime();
        int acquired = 0;
        for (int m = 0; m < op.memberCount; m++) {
            for (int k = 0; k < op.pageCounts[m]; k++) {
                if (!stripes.tryAcquire(PageStripes.stripeOf(op.firstPages[m] + k), reactor, stripeCounts, now)) {
                    releaseStripes(op, acquired);
                    return false;
                }
                acquired++;
            }
        }
        return true;
    }

    /** Gives back the first {@code count} stripes {@link #acquireStripes} took for {@code op}. */
    private void releaseStripes(Op op, int count) {
        int released = 0;
        for (int m = 0; m < op.memberCount && released < count; m++) {
            for (int k = 0; k < op.pageCounts[m] && released < count; k++) {
                stripes.release(PageStripes.stripeOf(op.firstPages[m] + k), reactor, stripeCounts);
                released++;
            }
        }
    }

    private static boolean touches(LongCounts pages, Op op) {
        if (pages.isEmpty()) {
            return false;
        }
        for (int m = 0; m < op.memberCount; m++) {
            for (int k = 0; k < op.pageCounts[m]; k++) {
                if (pages.contains(op.firstPages[m] + k)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void mark(LongCounts pages, Op op) {
        for (int m = 0; m < op.memberCount; m++) {
            for (int k = 0; k < op.pageCounts[m]; k++) {
                pages.increment(op.firstPages[m] + k);
            }
        }
    }
}
