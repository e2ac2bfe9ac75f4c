package dev.pagestore.wal;

import java.util.HashMap;
import java.util.Map;

/**
 * How many pinned {@link QueuePairLogDevice} handles of one directory each thread holds. A handle opened on a thread
 * that already holds one (the WAL writer thread opening its next segment) is pinned to it too, so the writer appends
 * through queue pairs it owns; a handle opened anywhere else is unpinned.
 *
 * <p>Thread safety: synchronized; handles of one directory are opened and closed on many threads.
 */
final class HandlePins {
    private final Map<Thread, Integer> pinnedHandles = new HashMap<>();

    synchronized void pinned(Thread thread, int delta) {
        int count = pinnedHandles.getOrDefault(thread, 0) + delta;
        assert count >= 0 : "pin count of " + thread + " went negative";
        if (count == 0) {
            pinnedHandles.remove(thread);
        } else {
            pinnedHandles.put(thread, count);
        }
    }

    /** Whether {@code thread} holds a pinned handle now. */
    synchronized boolean holdsAny(Thread thread) {
        return pinnedHandles.getOrDefault(thread, 0) > 0;
    }
}
