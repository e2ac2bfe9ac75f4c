package dev.pagestore.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A worker that causes an event at will gets one log line per interval, and the line counts the ones left out. */
class LogLimiterTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void shouldLetOneEventThroughPerIntervalAndCountTheRest() {
        LogLimiter limiter = new LogLimiter(SECOND);
        long t = System.nanoTime();
        assertTrue(limiter.allow(t), "the first event is logged");
        assertEquals(0, limiter.suppressedSinceLast());
        for (int i = 0; i < 100_000; i++) {
            assertFalse(limiter.allow(t + i), "event " + i + " inside the interval");
        }
        assertTrue(limiter.allow(t + SECOND), "the first event of the next interval is logged");
        assertEquals(100_000, limiter.suppressedSinceLast(), "and it says how many were not");
        assertEquals(0, limiter.suppressedSinceLast(), "the count resets once read");
    }

    @Test
    void shouldLogTheFirstEventWhateverTheClockReads() {
        LogLimiter limiter = new LogLimiter(SECOND);
        assertTrue(limiter.allow(System.nanoTime() + 1), "nanoTime may be negative; the first event still goes");
    }
}
