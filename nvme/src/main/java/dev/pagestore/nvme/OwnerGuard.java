package dev.pagestore.nvme;

/**
 * The owner-thread check of one {@link QueuePair}.
 *
 * <p>Why a check on every call rather than a comment: SPDK documents that a qpair belongs to one thread and calls
 * breaking the rule undefined behaviour; the users who broke it got {@code cpl does not map to outstanding cmd}
 * after tens of thousands of I/Os (SPDK issues 3187, 3557). Here the first foreign call throws instead, naming both
 * threads. The cost is one volatile read and a compare. There is no way to switch it off: what it prevents is shown
 * one layer down, on a simulated controller queue driven by two host drivers (the nvme tests' seed-problem
 * demonstration).
 */
final class OwnerGuard {
    private final String name;
    /** Written by the owner on hand-off, read by every call: volatile so a new owner sees itself. */
    private volatile Thread owner;

    OwnerGuard(String name, Thread owner) {
        this.name = name;
        this.owner = owner;
    }

    /** Throws unless the current thread is the owner. */
    void check() {
        Thread current = Thread.currentThread();
        Thread expected = owner;
        if (current != expected) {
            throw new QueuePairOwnershipException(name, expected, current);
        }
    }

    /** Hands ownership to {@code next}; only the current owner may do it. */
    void transferTo(Thread next) {
        if (next == null) {
            throw new IllegalArgumentException("next owner thread is null");
        }
        check();
        owner = next;
    }

    Thread owner() {
        return owner;
    }
}
