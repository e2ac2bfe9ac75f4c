package dev.pagestore.manager;

/**
 * A multiset of {@code long}s (each key with a positive count) that boxes nothing: the reactor's busy pages, pages
 * being read, outstanding request ids and WAL tickets are looked up on every request, and STYLE.md allows no
 * allocation per I/O. Open addressing with linear probing over two parallel arrays; a slot is empty when its count
 * is 0, so every {@code long} is a legal key (request ids come from workers and may be anything). Removal shifts the
 * following entries back (no tombstones), so lookups stay short however many keys come and go.
 *
 * <p>The table doubles when it is 5/8 full, which allocates; it is sized at construction for the expected working
 * set, so a warm reactor never grows it. No JDK or named-dependency collection offers this without boxing.
 *
 * <p>Thread safety: none; one owner thread (or the caller's lock).
 */
final class LongCounts {
    private long[] keys;
    private int[] counts;
    private int mask;
    private int size;

    /** A table for about {@code expectedKeys} distinct keys before it first grows. */
    LongCounts(int expectedKeys) {
        if (expectedKeys < 1) {
            throw new IllegalArgumentException("expectedKeys=" + expectedKeys + " must be positive");
        }
        int capacity = Integer.highestOneBit(Math.max(8, expectedKeys * 2 - 1)) << 1;
        keys = new long[capacity];
        counts = new int[capacity];
        mask = capacity - 1;
    }

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;  // Fibonacci hashing: consecutive page numbers spread over the table
        return (int) (h ^ (h >>> 32));
    }

    private int slotOf(long key) {
        int i = hash(key) & mask;
        while (counts[i] != 0 && keys[i] != key) {
            i = (i + 1) & mask;
        }
        return i;
    }

    /** The count of {@code key}; 0 when absent. */
    int count(long key) {
        return counts[slotOf(key)];
    }

    boolean contains(long key) {
        return count(key) != 0;
    }

    /** Adds one to {@code key}'s count. */
    void increment(long key) {
        int i = slotOf(key);
        if (counts[i] != 0) {
            counts[i]++;
            return;
        }
        keys[i] = key;
        counts[i] = 1;
        if (++size * 8 > (mask + 1) * 5) {
            grow();
        }
    }

    /**
     * Subtracts one from {@code key}'s count, removing it at 0.
     *
     * @return whether the key was present
     */
    boolean decrement(long key) {
        int i = slotOf(key);
        if (counts[i] == 0) {
            return false;
        }
        if (--counts[i] == 0) {
            size--;
            shiftBackAfter(i);
        }
        return true;
    }

    /** Distinct keys. */
    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The smallest key, or {@code Long.MAX_VALUE} when empty. A full scan: for rare callers (checkpoints). */
    long min() {
        long min = Long.MAX_VALUE;
        for (int i = 0; i <= mask; i++) {
            if (counts[i] != 0 && keys[i] < min) {
                min = keys[i];
            }
        }
        return min;
    }

    void clear() {
        if (size != 0) {
            java.util.Arrays.fill(counts, 0);
            size = 0;
        }
    }

    /** Backward-shift deletion: moves later members of the probe run into the hole at {@code hole}. */
    private void shiftBackAfter(int hole) {
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            if (counts[i] == 0) {
                return;
            }
            int home = hash(keys[i]) & mask;
            // The entry at i may move to the hole only if its home is not cyclically within (hole, i].
            boolean homeInRange = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
            if (!homeInRange) {
                keys[hole] = keys[i];
                counts[hole] = counts[i];
                counts[i] = 0;
                hole = i;
            }
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldCounts = counts;
        keys = new long[oldKeys.length * 2];
        counts = new int[oldCounts.length * 2];
        mask = keys.length - 1;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldCounts[i] != 0) {
                int j = slotOf(oldKeys[i]);
                keys[j] = oldKeys[i];
                counts[j] = oldCounts[i];
            }
        }
    }
}
