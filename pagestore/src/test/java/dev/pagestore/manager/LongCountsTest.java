package dev.pagestore.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LongCountsTest {
    @Test
    void shouldAgreeWithABoxedMapOverRandomIncrementsAndDecrements() {
        for (long seed = 1; seed <= 20; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            LongCounts counts = new LongCounts(4);
            Map<Long, Integer> model = new HashMap<>();
            // A small key space forces long probe runs, collisions and removals from their middle.
            long[] keySpace = new long[64];
            for (int i = 0; i < keySpace.length; i++) {
                keySpace[i] = i % 3 == 0 ? random.nextLong() : i * 4096L;
            }
            keySpace[0] = 0;
            keySpace[1] = Long.MIN_VALUE;
            keySpace[2] = Long.MAX_VALUE;
            keySpace[3] = -1;
            for (int step = 0; step < 20_000; step++) {
                long key = keySpace[random.nextInt(keySpace.length)];
                if (random.nextInt(10) < 6) {
                    counts.increment(key);
                    model.merge(key, 1, Integer::sum);
                } else {
                    boolean present = model.containsKey(key);
                    assertEquals(present, counts.decrement(key), "seed " + seed + " step " + step);
                    model.computeIfPresent(key, (k, c) -> c == 1 ? null : c - 1);
                }
                if (step % 97 == 0) {
                    for (long k : keySpace) {
                        assertEquals(model.getOrDefault(k, 0), counts.count(k), "seed " + seed + " key " + k);
                    }
                    assertEquals(model.size(), counts.size());
                    long min = model.keySet().stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
                    assertEquals(min, counts.min());
                }
            }
        }
    }

    @Test
    void shouldTreatEveryLongAsAKeyAndClearToEmpty() {
        LongCounts counts = new LongCounts(2);
        counts.increment(0);
        counts.increment(Long.MIN_VALUE);
        counts.increment(Long.MIN_VALUE);
        assertTrue(counts.contains(0));
        assertEquals(2, counts.count(Long.MIN_VALUE));
        assertFalse(counts.decrement(42), "an absent key is not decremented");
        counts.clear();
        assertTrue(counts.isEmpty());
        assertFalse(counts.contains(Long.MIN_VALUE));
        assertThrows(IllegalArgumentException.class, () -> new LongCounts(0));
    }
}
