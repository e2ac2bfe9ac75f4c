package dev.pagestore.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pagestore.ipc.channel.Channel;
import dev.pagestore.ipc.channel.ChannelParameters;
import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.ipc.ring.RingConsumer;
import dev.pagestore.ipc.ring.RingDescriptor;
import dev.pagestore.ipc.ring.RingProtocolException;
import dev.pagestore.ipc.wait.WaitStrategy;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Completions reach the worker's ring in the order they were made, whether written in place or held back. */
class ChannelSessionTest {
    private static final ChannelParameters PARAMETERS = new ChannelParameters(4096, 8, 8, 4);

    @Test
    void shouldWriteCompletionsInPlaceAndPublishThemOncePerFlush() throws Exception {
        try (Channel manager = Channel.createSealed("session-test", PARAMETERS, WaitStrategy.blocking());
             Channel worker = Channel.attach(manager.descriptor(), "session-test", PARAMETERS)) {
            ChannelSession session = new ChannelSession(manager, null, "worker", new WriteGate(true));
            RingConsumer completions = worker.completionConsumer();
            session.complete(1, CompletionDescriptor.STATUS_OK, 0, 4096);
            session.complete(2, CompletionDescriptor.STATUS_TIMEOUT, 1, CompletionDescriptor.RESULT_SLOT_FENCED);
            assertEquals(0, completions.available(8), "nothing is visible before the flush");
            assertEquals(2, session.pendingCompletions());
            assertEquals(2, session.flushCompletions());
            assertEquals(0, session.pendingCompletions());
            int n = completions.available(8);
            assertEquals(2, n);
            assertEquals(1, CompletionDescriptor.requestId(completions.segment(), completions.entryOffset(0)));
            assertEquals(4096, CompletionDescriptor.result(completions.segment(), completions.entryOffset(0)));
            assertEquals(2, CompletionDescriptor.requestId(completions.segment(), completions.entryOffset(1)));
            assertEquals(CompletionDescriptor.STATUS_TIMEOUT,
                    CompletionDescriptor.status(completions.segment(), completions.entryOffset(1)));
            assertEquals(1, CompletionDescriptor.bufferSlot(completions.segment(), completions.entryOffset(1)));
        }
    }

    @Test
    void shouldHoldCompletionsBackWhileTheRingIsFullAndPostThemInOrder() throws Exception {
        try (Channel manager = Channel.createSealed("session-test", PARAMETERS, WaitStrategy.blocking());
             Channel worker = Channel.attach(manager.descriptor(), "session-test", PARAMETERS)) {
            ChannelSession session = new ChannelSession(manager, null, "worker", new WriteGate(true));
            RingConsumer completions = worker.completionConsumer();
            int capacity = PARAMETERS.completionRingCapacity();
            for (long id = 1; id <= capacity + 5; id++) {  // 5 more than the ring holds
                session.complete(id, CompletionDescriptor.STATUS_OK, (int) (id % 4), id);
            }
            assertEquals(capacity + 5, session.pendingCompletions());
            assertEquals(capacity, session.flushCompletions(), "the ring took what fitted");
            session.complete(100, CompletionDescriptor.STATUS_OK, 0, 100);  // queued behind the held five
            assertEquals(0, session.flushCompletions(), "still full: the worker has not read");
            List<Long> seen = new ArrayList<>(drain(completions));
            assertEquals(6, session.flushCompletions(), "the held completions, then the newest");
            seen.addAll(drain(completions));
            List<Long> expected = new ArrayList<>();
            for (long id = 1; id <= capacity + 5; id++) {
                expected.add(id);
            }
            expected.add(100L);
            assertEquals(expected, seen);
            session.complete(101, CompletionDescriptor.STATUS_OK, 1, 101);  // the ring has room: written in place
            assertEquals(1, session.flushCompletions());
            assertEquals(List.of(101L), drain(completions));
        }
    }

    @Test
    void shouldKeepAWorkersCorruptConsumerSequenceForTheFlushWhereTheChannelAloneIsDropped() throws Exception {
        try (Channel manager = Channel.createSealed("session-test", PARAMETERS, WaitStrategy.blocking());
             Channel worker = Channel.attach(manager.descriptor(), "session-test", PARAMETERS)) {
            ChannelSession session = new ChannelSession(manager, null, "worker", new WriteGate(true));
            RingConsumer completions = worker.completionConsumer();
            for (long id = 1; id <= PARAMETERS.completionRingCapacity(); id++) {
                session.complete(id, CompletionDescriptor.STATUS_OK, 0, 0);  // fills the ring: the next claim reads
            }
            completions.segment().set(ValueLayout.JAVA_LONG, RingDescriptor.CONSUMER_SEQUENCE_OFFSET, 1L << 40);
            session.complete(99, CompletionDescriptor.STATUS_OK, 0, 0);  // the caller is mid-pass: it must not throw
            assertThrows(RingProtocolException.class, session::flushCompletions);
        }
    }

    private static List<Long> drain(RingConsumer ring) {
        List<Long> ids = new ArrayList<>();
        int n = ring.available(ring.capacity());
        for (int i = 0; i < n; i++) {
            long offset = ring.entryOffset(i);
            long id = CompletionDescriptor.requestId(ring.segment(), offset);
            ids.add(id);
            if (id > 2) {  // the order test's completions carry their id as the result and id % 4 as the slot
                assertEquals(id, CompletionDescriptor.result(ring.segment(), offset), "result of " + id);
                assertEquals(id % 4, CompletionDescriptor.bufferSlot(ring.segment(), offset), "slot of " + id);
            }
        }
        ring.release(n);
        return ids;
    }
}
