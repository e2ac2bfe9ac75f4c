package dev.pagestore.nvme;

/**
 * A thread other than a {@link QueuePair}'s owner called it. A queue pair has no locks: two threads using it tear its
 * submission queue, command table and completion queue (SPDK issues 3187 and 3557). The message names both threads.
 */
public final class QueuePairOwnershipException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final String ownerThread;
    private final String callerThread;

    public QueuePairOwnershipException(String queuePair, Thread owner, Thread caller) {
        super(queuePair + " is owned by thread " + describe(owner) + " but was called from thread "
                + describe(caller) + "; a queue pair must be used by its owner thread only (hand it off with "
                + "QueuePair.transferOwnership from the owner)");
        this.ownerThread = describe(owner);
        this.callerThread = describe(caller);
    }

    static String describe(Thread thread) {
        return thread == null ? "<none>" : "'" + thread.getName() + "' (id " + thread.threadId() + ")";
    }

    /** {@code "'reactor-0' (id 31)"}. */
    public String ownerThread() {
        return ownerThread;
    }

    /** {@code "'worker-3' (id 45)"}. */
    public String callerThread() {
        return callerThread;
    }
}
