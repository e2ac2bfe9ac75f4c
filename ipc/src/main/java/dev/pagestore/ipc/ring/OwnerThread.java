package dev.pagestore.ipc.ring;

/**
 * Remembers the first thread that used a ring end and, under {@code -ea}, fails any call from another thread, naming
 * both. A ring end has exactly one user thread (SPSC), as the Disruptor's {@code SingleProducerSequencer} checks only
 * with assertions enabled; in production the check costs nothing.
 */
final class OwnerThread {
    private final String what;
    private Thread owner;

    OwnerThread(String what) {
        this.what = what;
    }

    /** For {@code assert owner.isCurrent();}: true, or an {@link AssertionError} naming both threads. */
    boolean isCurrent() {
        Thread current = Thread.currentThread();
        if (owner == null) {
            owner = current;
            return true;
        }
        if (owner != current) {
            throw new AssertionError(what + " is single-threaded: used by '" + owner.getName() + "' (id "
                    + owner.threadId() + ") and now by '" + current.getName() + "' (id " + current.threadId() + ")");
        }
        return true;
    }

    /** Forgets the owner, so another thread may take over after a happens-before hand-off by the caller. */
    void forget() {
        owner = null;
    }
}
