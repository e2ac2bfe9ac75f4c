package dev.pagestore.manager;

import java.util.Arrays;

/**
 * The reactor's ops that have a deadline, earliest first: a binary min-heap whose ops know their place in it
 * ({@link Op#deadlineIndex}). Finding the ops that are due looks at those ops only, and an op that ends early leaves in
 * {@code O(log n)}, so a reactor with thousands of requests in progress pays nothing per pass for the ones not due.
 * An op stays in the heap after it is answered; {@link #pollDue} hands it out anyway and the caller skips it.
 *
 * <p>Reactor thread only.
 */
final class Deadlines {
    private Op[] heap = new Op[64];
    private int size;

    /** Adds {@code op}, or moves it up after its deadline became earlier (a batch member with a nearer one). */
    void track(Op op) {
        if (op.deadlineNanos == 0) {
            return;
        }
        if (op.deadlineIndex < 0) {
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            heap[size] = op;
            op.deadlineIndex = size++;
        }
        siftUp(op.deadlineIndex);
    }

    /** Takes {@code op} out, if it is in. */
    void remove(Op op) {
        int i = op.deadlineIndex;
        if (i < 0) {
            return;
        }
        op.deadlineIndex = -1;
        Op last = heap[--size];
        heap[size] = null;
        if (i == size) {
            return;
        }
        place(last, i);
        siftDown(i);
        siftUp(last.deadlineIndex);
    }

    /** The earliest op whose deadline is at or before {@code nowNanos}, taken out; null when none is due. */
    Op pollDue(long nowNanos) {
        if (size == 0 || heap[0].deadlineNanos > nowNanos) {
            return null;
        }
        Op due = heap[0];
        remove(due);
        return due;
    }

    int size() {
        return size;
    }

    private void siftUp(int i) {
        Op op = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent].deadlineNanos <= op.deadlineNanos) {
                break;
            }
            place(heap[parent], i);
            i = parent;
        }
        place(op, i);
    }

    private void siftDown(int i) {
        Op op = heap[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1].deadlineNanos < heap[child].deadlineNanos) {
                child++;
            }
            if (op.deadlineNanos <= heap[child].deadlineNanos) {
                break;
            }
            place(heap[child], i);
            i = child;
        }
        place(op, i);
    }

    private void place(Op op, int i) {
        heap[i] = op;
        op.deadlineIndex = i;
    }
}
