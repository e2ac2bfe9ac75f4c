package dev.pagestore.manager;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PageStripesTest {
    private final PageStripes stripes = new PageStripes();
    private final int[] first = new int[PageStripes.STRIPES];
    private final int[] second = new int[PageStripes.STRIPES];

    @Test
    void shouldHandAStripeOverToAWaitingReactorOnceTheOwnersWorkDrains() {
        long now = 1_000_000_000L;
        assertTrue(stripes.tryAcquire(5, 0, first, now));
        assertTrue(stripes.tryAcquire(5, 0, first, now), "the owner adds work while nobody waits");
        assertFalse(stripes.tryAcquire(5, 1, second, now), "held by reactor 0");
        assertFalse(stripes.tryAcquire(5, 0, first, now + 10), "a waiter is announced: the owner admits no more");
        stripes.release(5, 0, first);
        stripes.release(5, 0, first);
        assertFalse(stripes.tryAcquire(5, 0, first, now + 20), "the owner does not retake it before the waiter");
        assertTrue(stripes.tryAcquire(5, 1, second, now + 30), "the waiter takes it");
        assertTrue(stripes.tryAcquire(5, 1, second, now + 40), "and, nobody waiting on it now, adds work");
    }

    @Test
    void shouldIgnoreAWaiterThatStoppedAsking() {
        long now = 1_000_000_000L;
        assertTrue(stripes.tryAcquire(9, 0, first, now));
        assertFalse(stripes.tryAcquire(9, 1, second, now));
        long later = now + PageStripes.WAITER_FRESH_NANOS + 1;
        assertTrue(stripes.tryAcquire(9, 0, first, later), "a stale announcement blocks nobody");
        stripes.release(9, 0, first);
        stripes.release(9, 0, first);
        assertTrue(stripes.tryAcquire(9, 0, first, later + 1));
    }

    @Test
    void shouldKeepStripesIndependent() {
        long now = 5L;
        assertTrue(stripes.tryAcquire(1, 0, first, now));
        assertTrue(stripes.tryAcquire(2, 1, second, now));
        assertFalse(stripes.tryAcquire(2, 0, first, now));
        assertTrue(stripes.tryAcquire(1, 0, first, now), "a waiter on stripe 2 does not hold up stripe 1");
    }
}
