package dev.pagestore.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.ipc.ring.RequestDescriptor;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * Request ids name their table entry, only the current request of an entry answers to its id, and every path through
 * an entry's states returns its permit exactly once, and only when the manager can no longer write its slot.
 */
class PendingTableTest {
    private static final int OK = CompletionDescriptor.STATUS_OK;
    private final PendingAnswer out = new PendingAnswer();

    private static Pending syncRead(PendingTable table, long page) {
        return register(table, page, Thread.currentThread());
    }

    private static Pending asyncRead(PendingTable table, long page) {
        return register(table, page, null);
    }

    private static Pending register(PendingTable table, long page, Thread waiter) {
        assertTrue(table.permits.tryAcquire(), "a permit for every registration");
        return table.entry(table.register(RequestDescriptor.OPCODE_READ, page, true, waiter,
                waiter == null ? new java.util.concurrent.CompletableFuture<>() : null, null));
    }

    @Test
    void shouldFindARequestByItsIdAndNeverByAStaleOrForgedOne() {
        PendingTable table = new PendingTable(2);
        Pending first = syncRead(table, 1);
        long id = first.id;
        assertFalse(table.settled(first, id));
        assertEquals(PendingAnswer.WAKE, table.answer(id, OK, 0, false, false, out));
        assertSame(first, out.entry);
        assertSame(Thread.currentThread(), out.waiter);
        assertTrue(table.settled(first, id));
        assertEquals(PendingAnswer.UNMAPPED, table.answer(id, OK, 0, false, false, out),
                "a second completion for the same id");
        table.collected(first, id);
        assertEquals(Pending.FREE, first.state, "collected: free");
        assertEquals(PendingAnswer.UNMAPPED, table.answer(id, OK, 0, false, true, out), "a completion for a free entry");
        Pending second = syncRead(table, 2);
        assertNotEquals(id, second.id, "the entry is reused under a new id");
        assertEquals(PendingAnswer.UNMAPPED, table.answer(id, OK, 0, false, true, out),
                "the old id does not reach the entry's new request");
        assertEquals(PendingAnswer.UNMAPPED, table.answer(second.id + 1, OK, 0, false, true, out),
                "an id naming an entry with nothing registered");
        assertEquals(PendingAnswer.UNMAPPED, table.answer(1L << 40 | 0xffff, OK, 0, false, true, out),
                "an index beyond the table");
        assertEquals(PendingAnswer.UNMAPPED, table.answer(-1, OK, 0, false, true, out), "a negative id");
        assertFalse(table.settled(second, id), "the old id's outcome is not the new request's");
        assertFalse(table.abandon(first, id), "a stale caller cannot abandon the entry's new request");
        assertNull(table.fail(first, id, ErrorCode.MANAGER_GONE, "stale"), "nor fail it");
        assertEquals(Pending.LIVE, second.state);
    }

    @Test
    void shouldGiveUniqueIdsAndRefuseBeyondCapacity() {
        PendingTable table = new PendingTable(4);
        Set<Long> ids = new HashSet<>();
        for (int round = 0; round < 100; round++) {
            Pending[] live = new Pending[4];
            for (int i = 0; i < 4; i++) {
                live[i] = table.entry(table.register(RequestDescriptor.OPCODE_READ, i, true, null, null, null));
                ids.add(live[i].id);
            }
            assertThrows(IllegalStateException.class,
                    () -> table.register(RequestDescriptor.OPCODE_READ, 9, true, null, null, null),
                    "more than the permits");
            for (Pending p : live) {
                table.forget(p, p.id);
            }
            table.permits.acquireUninterruptibly(4);  // forget returned one each
        }
        assertEquals(400, ids.size(), "every id was new");
    }

    @Test
    void shouldKeepAFencedSlotUntilTheManagerReleasesIt() {
        PendingTable table = new PendingTable(1);
        Pending p = syncRead(table, 3);
        long id = p.id;
        assertEquals(0, table.unattended(), "a platform thread's synchronous call reaps for itself");
        assertEquals(PendingAnswer.WAKE, table.answer(id, CompletionDescriptor.STATUS_TIMEOUT,
                CompletionDescriptor.RESULT_SLOT_FENCED, true, false, out));
        assertTrue(table.settled(p, id));
        assertEquals(Pending.FAILED, p.state);
        assertEquals(ErrorCode.TIMEOUT, p.failure);
        table.collected(p, id);
        assertEquals(Pending.ABANDONED, p.state, "the device may still write the slot");
        assertEquals(0, table.permits.availablePermits());
        assertEquals(1, table.unattended(), "now only the completion thread will see the release");
        assertEquals(PendingAnswer.DONE, table.answer(id, CompletionDescriptor.STATUS_TIMEOUT,
                CompletionDescriptor.RESULT_SLOT_RELEASED, false, false, out));
        assertEquals(1, table.permits.availablePermits(), "the release frees the entry and its permit, once");
        assertEquals(0, table.unattended());
        assertEquals(PendingAnswer.UNMAPPED, table.answer(id, OK, 0, false, true, out));
        assertEquals(1, table.permits.availablePermits());
    }

    @Test
    void shouldLetAnAbandonedRequestBeFreedByItsLateAnswerOnly() {
        PendingTable table = new PendingTable(1);
        Pending p = syncRead(table, 4);
        long id = p.id;
        assertTrue(table.abandon(p, id));
        assertFalse(table.abandon(p, id), "once");
        assertEquals(0, table.permits.availablePermits(), "an abandoned request keeps its slot");
        assertEquals(1, table.unattended());
        assertEquals(PendingAnswer.DONE, table.answer(id, OK, 0, false, false, out));
        assertEquals(1, table.permits.availablePermits());
        table.collected(p, id);
        assertEquals(1, table.permits.availablePermits(), "a caller that gave up collects nothing");
    }

    @Test
    void shouldLeaveAsynchronousAnswersToTheCompletionThread() throws Exception {
        PendingTable table = new PendingTable(2);
        Pending p = asyncRead(table, 5);
        long id = p.id;
        assertEquals(1, table.unattended());
        assertEquals(PendingAnswer.LEAVE, table.answer(id, OK, 0, false, false, out));
        assertEquals(Pending.LIVE, p.state, "left untouched");
        assertEquals(PendingAnswer.DELIVER, table.answer(id, OK, 7, false, true, out));
        assertSame(p.future, out.future);
        assertEquals(1, table.permits.availablePermits(), "held while its page is copied out");
        assertEquals(Pending.DELIVERING, p.state);
        assertNull(table.fail(p, id, ErrorCode.MANAGER_GONE, "late"), "a failure cannot overtake the delivery");
        assertEquals(Pending.DELIVERING, p.state);
        assertFalse(out.future.isDone(), "the deliverer completes it, after the copy");
        table.delivered(p, id);
        assertEquals(2, table.permits.availablePermits());
        assertEquals(0, table.unattended());
    }

    @Test
    void shouldFailEveryLiveRequestAndFreeTheAbandonedOnes() {
        PendingTable table = new PendingTable(3);
        Pending sync = syncRead(table, 1);
        Pending async = asyncRead(table, 2);
        java.util.concurrent.CompletableFuture<Object> future = async.future;
        Pending abandoned = syncRead(table, 3);
        table.abandon(abandoned, abandoned.id);
        table.failAll(ErrorCode.MANAGER_GONE, "gone");
        assertEquals(Pending.FAILED, sync.state);
        assertEquals(ErrorCode.MANAGER_GONE, sync.failure);
        ExecutionException failed = assertThrows(ExecutionException.class, future::get);
        assertEquals(ErrorCode.MANAGER_GONE, ((PageStoreException) failed.getCause()).code());
        assertEquals(2, table.permits.availablePermits(), "the asynchronous and the abandoned entries are free");
        table.collected(sync, sync.id);
        assertEquals(3, table.permits.availablePermits());
        assertEquals(0, table.unattended());
    }

    @Test
    void shouldFreeAFencedEntryWhoseReleaseCameBeforeItsCallerCollected() {
        PendingTable table = new PendingTable(1);
        Pending p = syncRead(table, 6);
        long id = p.id;
        assertEquals(PendingAnswer.WAKE, table.answer(id, CompletionDescriptor.STATUS_TIMEOUT,
                CompletionDescriptor.RESULT_SLOT_FENCED, true, false, out));
        // The release is in the same batch the waiter reaps, before it collects its TIMEOUT.
        assertEquals(PendingAnswer.DONE, table.answer(id, CompletionDescriptor.STATUS_TIMEOUT,
                CompletionDescriptor.RESULT_SLOT_RELEASED, false, false, out));
        assertEquals(0, table.permits.availablePermits(), "still the caller's to collect");
        table.collected(p, id);
        assertEquals(Pending.FREE, p.state, "freed by the collect: nothing else would free it");
        assertEquals(1, table.permits.availablePermits());
        assertEquals(0, table.unattended());
    }

    @Test
    void shouldFreeAPolledEntryWhoseReleaseCameWhileAPollerHandedItsTimeoutOver() {
        PendingTable table = new PendingTable(1);
        assertTrue(table.permits.tryAcquire());
        long id = table.registerPolled(RequestDescriptor.OPCODE_READ, 2, true, null, 77);
        Pending p = table.entry(id);
        table.answer(id, CompletionDescriptor.STATUS_TIMEOUT, CompletionDescriptor.RESULT_SLOT_FENCED, true, false, out);
        assertEquals(id, table.claimPolled(p));
        assertEquals(PendingAnswer.DONE, table.answer(id, CompletionDescriptor.STATUS_TIMEOUT,
                CompletionDescriptor.RESULT_SLOT_RELEASED, false, true, out));
        table.collected(p, id);
        assertEquals(1, table.permits.availablePermits());
        assertEquals(0, table.unattended());
    }
}
