package dev.pagestore.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pagestore.ipc.ring.CompletionDescriptor;
import org.junit.jupiter.api.Test;

/** A channel's answers by status, each request once: a fenced request's second TIMEOUT is its slot coming back. */
class ChannelCountersTest {
    @Test
    void shouldCountEachRequestsAnswerOnce() {
        ChannelCounters counters = new ChannelCounters();
        counters.answered(CompletionDescriptor.STATUS_OK, 4096);
        counters.answered(CompletionDescriptor.STATUS_TIMEOUT, CompletionDescriptor.RESULT_SLOT_FENCED);
        counters.answered(CompletionDescriptor.STATUS_TIMEOUT, CompletionDescriptor.RESULT_SLOT_RELEASED);
        counters.answered(CompletionDescriptor.STATUS_TIMEOUT, 0);  // one that never started
        counters.answered(CompletionDescriptor.STATUS_INVALID, 0);
        counters.answered(CompletionDescriptor.STATUS_IO_ERROR, 0);
        counters.answered(CompletionDescriptor.STATUS_NO_SPACE, 0);
        counters.answered(CompletionDescriptor.STATUS_NO_SPACE, 0);
        counters.answered(CompletionDescriptor.STATUS_SHUTTING_DOWN, 0);
        assertEquals(2, counters.get(ChannelCounters.TIMEOUTS));
        assertEquals(1, counters.get(ChannelCounters.INVALID));
        assertEquals(1, counters.get(ChannelCounters.IO_ERRORS));
        assertEquals(2, counters.get(ChannelCounters.NO_SPACE));
        assertEquals(1, counters.get(ChannelCounters.SHUTTING_DOWN));
    }

    @Test
    void shouldNeverShowANegativeNumberInFlight() {
        ChannelCounters counters = new ChannelCounters();
        counters.add(ChannelCounters.ACCEPTED, 3);
        counters.add(ChannelCounters.SETTLED, 2);
        assertEquals(1, counters.inFlight());
        counters.add(ChannelCounters.SETTLED, 5);
        assertEquals(0, counters.inFlight());
    }
}
