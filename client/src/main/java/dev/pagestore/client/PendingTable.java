package dev.pagestore.client;

import java.util.ArrayList;
import java.util.List;

/**
 * The requests a connection has posted and not yet finally answered, found by request id without a map: a fixed
 * table of {@code capacity} entries. A request id is a sequence number above the entry's index,
 * {@code sequence << INDEX_BITS | index}: unique for the connection's life (the manager refuses an id still
 * outstanding), and a completion names its entry directly. A completion whose id does not match its entry's current
 * request (a stale or forged id) finds nothing.
 *
 * <p>Every registered request holds one of the connection's permits until its final answer, so a free entry always
 * exists when a poster holds a permit. Thread safety: any thread (posters, the completion thread, the threads that
 * learn of the manager's death); one monitor, held for a few loads and stores, allocation-free.
 */
final class PendingTable {
    static final int INDEX_BITS = 16;
    private static final long INDEX_MASK = (1L << INDEX_BITS) - 1;

    private final Pending[] entries;
    private final int[] free;
    private int freeCount;
    private long sequence;

    PendingTable(int capacity) {
        if (capacity < 1 || capacity > 1 << INDEX_BITS) {
            throw new IllegalArgumentException("capacity=" + capacity + " must be in [1, 2^" + INDEX_BITS + "]");
        }
        entries = new Pending[capacity];
        free = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            free[i] = capacity - 1 - i;
        }
        freeCount = capacity;
    }

    /** Registers {@code p} under a new request id, stored in {@code p.id} and returned. */
    synchronized long register(Pending p) {
        if (freeCount == 0) {
            throw new IllegalStateException("no free pending entry although a permit was taken (" + entries.length
                    + " entries)");
        }
        int index = free[--freeCount];
        long id = ++sequence << INDEX_BITS | index;
        p.id = id;
        entries[index] = p;
        return id;
    }

    /** The request registered under {@code id}, or null. */
    synchronized Pending get(long id) {
        int index = (int) (id & INDEX_MASK);
        Pending p = index < entries.length ? entries[index] : null;
        return p != null && p.id == id ? p : null;
    }

    /** Removes and returns the request registered under {@code id}, or null when none is (any more). */
    synchronized Pending remove(long id) {
        Pending p = get(id);
        if (p != null) {
            int index = (int) (id & INDEX_MASK);
            entries[index] = null;
            free[freeCount++] = index;
        }
        return p;
    }

    /** Removes every registered request and returns them (the manager is gone or the client closed). */
    synchronized List<Pending> removeAll() {
        List<Pending> all = new ArrayList<>();
        for (int index = 0; index < entries.length; index++) {
            if (entries[index] != null) {
                all.add(entries[index]);
                entries[index] = null;
                free[freeCount++] = index;
            }
        }
        return all;
    }
}
