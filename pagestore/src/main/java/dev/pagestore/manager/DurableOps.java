package dev.pagestore.manager;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Ops whose WAL record became durable (or failed), handed from the WAL writer thread to their reactor without
 * allocating: an intrusive lock-free stack (Treiber) linked through {@link Op#nextDurable}. The reactor takes the whole
 * stack at once and reverses it, so it sees the ops in the order the writer pushed them (LSN order).
 *
 * <p>Thread safety: {@link #push} from any thread; {@link #takeAll} from the owning reactor only. The CAS in
 * {@code push} is a release and the exchange in {@code takeAll} an acquire, so the op's fields written before the
 * push ({@link Op#lsn}, {@link Op#walFailure}) are visible to the reactor.
 */
final class DurableOps {
    private final AtomicReference<Op> head = new AtomicReference<>();

    void push(Op op) {
        Op top;
        do {
            top = head.get();
            op.nextDurable = top;
        } while (!head.compareAndSet(top, op));
    }

    /** Every op pushed so far, oldest first (linked through {@link Op#nextDurable}), or null. */
    Op takeAll() {
        Op top = head.getAndSet(null);
        Op reversed = null;
        while (top != null) {
            Op next = top.nextDurable;
            top.nextDurable = reversed;
            reversed = top;
            top = next;
        }
        return reversed;
    }

    boolean isEmpty() {
        return head.get() == null;
    }
}
