package dev.pagestore.ipc.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
        LogLimiter negative = new LogLimiter(SECOND);
        assertTrue(negative.allow(Long.MIN_VALUE + 5), "even at the most negative reading");
        assertFalse(negative.allow(Long.MIN_VALUE + 6));
        assertTrue(negative.allow(Long.MIN_VALUE + 5 + SECOND));
    }

    @Test
    void shouldLetABurstOfRoutineLinesThroughAndThenCountTheRest() {
        LogLimiter limiter = new LogLimiter(SECOND, 5);
        long t = 42;
        for (int i = 0; i < 5; i++) {
            assertTrue(limiter.allow(t + i), "line " + i + " of the burst");
        }
        for (int i = 0; i < 1000; i++) {
            assertFalse(limiter.allow(t + 10 + i), "event " + i + " beyond the burst");
        }
        assertTrue(limiter.allow(t + SECOND), "a new interval, a new burst");
        assertEquals(1000, limiter.suppressedSinceLast());
        for (int i = 1; i < 5; i++) {
            assertTrue(limiter.allow(t + SECOND + i));
        }
        assertFalse(limiter.allow(t + SECOND + 5));
    }

    @Test
    void shouldSayHowManyWereLeftOutOnlyWhenSomeWere() {
        LogLimiter limiter = new LogLimiter(SECOND);
        assertTrue(limiter.allow(0));
        assertEquals("", limiter.leftOut("refusals not logged"));
        assertFalse(limiter.allow(1));
        assertFalse(limiter.allow(2));
        assertTrue(limiter.allow(SECOND));
        assertEquals(" (2 more refusals not logged)", limiter.leftOut("refusals not logged"));
    }

    @Test
    void shouldRefuseAnIntervalOrBurstThatIsNotPositive() {
        assertThrows(IllegalArgumentException.class, () -> new LogLimiter(0));
        assertThrows(IllegalArgumentException.class, () -> new LogLimiter(SECOND, 0));
    }
}
