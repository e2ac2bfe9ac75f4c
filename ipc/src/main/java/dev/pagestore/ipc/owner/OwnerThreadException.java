package dev.pagestore.ipc.owner;

/**
 * A thread other than a single-owner object's owner called it. Such objects have no locks: a queue pair or an
 * io_uring ring driven by two threads tears its submission queue, command table and completion queue (SPDK issues
 * 3187 and 3557). The message names the object, both threads and what to do instead.
 */
public final class OwnerThreadException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final String ownerThread;
    private final String callerThread;

    public OwnerThreadException(String what, Thread owner, Thread caller, String advice) {
        super(what + " is owned by thread " + describe(owner) + " but was called from thread " + describe(caller)
                + (advice.isEmpty() ? "" : "; " + advice));
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
