package dev.pagestore.ipc.owner;

import java.util.Objects;

/**
 * The owner thread of a single-owner object, and the check every call of the object makes: the first call from any
 * other thread throws {@link OwnerThreadException}, naming both threads, instead of corrupting lock-free state. The
 * check is one volatile read and a compare, and cannot be switched off.
 *
 * <p>Thread safety: {@link #check} from any thread; {@link #transferTo} only from the owner.
 */
public final class SingleOwner {
    private final String what;
    private final String advice;
    /** Written by the owner on hand-off, read by every call: volatile so that the new owner sees itself. */
    private volatile Thread owner;

    /**
     * @param what   how messages name the object, e.g. {@code "queue pair qp-0"}
     * @param advice what a caller should do instead, appended to the message; may be empty
     * @param owner  the owner thread
     */
    public SingleOwner(String what, String advice, Thread owner) {
        this.what = Objects.requireNonNull(what, "what");
        this.advice = Objects.requireNonNull(advice, "advice");
        this.owner = Objects.requireNonNull(owner, "owner");
    }

    /** Owned by the calling thread. */
    public static SingleOwner ofCurrentThread(String what, String advice) {
        return new SingleOwner(what, advice, Thread.currentThread());
    }

    /** Throws unless the calling thread is the owner. */
    public void check() {
        Thread current = Thread.currentThread();
        Thread expected = owner;
        if (current != expected) {
            throw new OwnerThreadException(what, expected, current, advice);
        }
    }

    /** Hands ownership to {@code next}; only the owner may. */
    public void transferTo(Thread next) {
        Objects.requireNonNull(next, "next");
        check();
        owner = next;
    }

    public Thread owner() {
        return owner;
    }
}
