package dev.pagestore.nvme;

/**
 * The owner-thread check of one {@link QueuePair}.
 *
 * <p>Why a check on every call rather than a comment: SPDK documents that a qpair belongs to one thread and calls
 * breaking the rule undefined behaviour; the users who broke it got {@code cpl does not map to outstanding cmd}
 * after tens of thousands of I/Os (SPDK issues 3187, 3557). Here the first foreign call throws instead, naming both
 * threads. The cost is one volatile read and a compare.
 *
 * <h2>Test-only switch</h2>
 * {@link #disableForTesting()} turns the check off for one queue pair so that a test can demonstrate what the check
 * prevents. It refuses unless the JVM runs with the system property {@value #TEST_ONLY_PROPERTY}{@code =true}, so
 * production code cannot switch it off by accident. Never set that property outside tests.
 */
final class OwnerGuard {
    /** TEST ONLY: the system property that allows {@link #disableForTesting()}. */
    static final String TEST_ONLY_PROPERTY = "pagestore.nvme.testOnly.allowUnownedQueuePairs";

    private final String name;
    /** Written by the owner on hand-off, read by every call: volatile so a new owner sees itself. */
    private volatile Thread owner;
    private volatile boolean disabled;

    OwnerGuard(String name, Thread owner) {
        this.name = name;
        this.owner = owner;
    }

    /** Throws unless the current thread is the owner (or the check is disabled for a test). */
    void check() {
        Thread current = Thread.currentThread();
        Thread expected = owner;
        if (current != expected && !disabled) {
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

    void disableForTesting() {
        if (!Boolean.getBoolean(TEST_ONLY_PROPERTY)) {
            throw new IllegalStateException("the ownership check of " + name + " can only be disabled in tests "
                    + "that run with -D" + TEST_ONLY_PROPERTY + "=true");
        }
        disabled = true;
    }
}
