package dev.pagestore.wal;

/**
 * The appends of the commit under way, in LSN order: each one's callback and LSN, kept in arrays sized at start-up,
 * until the commit tells them all durable or all failed. A callback that throws never stops the writer: the outcome
 * stands whatever the caller does with it.
 *
 * <p>Thread safety: the WAL writer thread only.
 */
final class PendingAppends {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WalWriter.class); // the name operators know

    private final AppendCallback[] callbacks;
    private final long[] lsns;
    private int count;

    /** Room for {@code capacity} appends: the most one commit may hold. */
    PendingAppends(int capacity) {
        this.callbacks = new AppendCallback[capacity];
        this.lsns = new long[capacity];
    }

    int count() {
        return count;
    }

    void add(AppendCallback callback, long lsn) {
        assert count < callbacks.length : "a commit larger than maxTakenIn plus a ring";
        callbacks[count] = callback;
        lsns[count] = lsn;
        count++;
    }

    /** Tells every pending append it is durable, in LSN order, and forgets them. */
    void tellDurable() {
        for (int i = 0; i < count; i++) {
            AppendCallback callback = callbacks[i];
            callbacks[i] = null;
            durable(callback, lsns[i]);
        }
        count = 0;
    }

    /** Tells every pending append it failed with {@code failure}, and forgets them. */
    void tellFailed(Throwable failure) {
        for (int i = 0; i < count; i++) {
            failed(callbacks[i], failure);
            callbacks[i] = null;
        }
        count = 0;
    }

    private static void durable(AppendCallback callback, long lsn) {
        try {
            callback.onDurable(lsn);
        } catch (RuntimeException e) {
            LOG.error("an append callback failed on lsn {}; the record is durable", lsn, e);
        }
    }

    static void failed(AppendCallback callback, Throwable failure) {
        try {
            callback.onFailed(failure);
        } catch (RuntimeException e) {
            LOG.error("an append callback failed while told of a failure", e);
        }
    }
}
