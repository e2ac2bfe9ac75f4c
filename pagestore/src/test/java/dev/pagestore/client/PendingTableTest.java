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
        return table.register(RequestDescriptor.OPCODE_READ, page, true, waiter, null);
    }

    @Test
    void shouldFindARequestByItsIdAndNeverByAStaleOrForgedOne() {
        PendingTable table = new PendingTable(2);
        Pending first = syncRead(table, 1);
        long id = first.id;
        assertSame(first, table.find(id));
        assertEquals(PendingTable.WAKE, table.answer(first, id, OK, 0, false, false, out));
        assertSame(Thread.currentThread(), out.waiter);
        assertEquals(PendingTable.UNMAPPED, table.answer(first, id, OK, 0, false, false, out),
                "a second completion for the same id");
        table.collected(first, id);
        assertNull(table.find(id), "collected: free");
        Pending second = syncRead(table, 2);
        assertNotEquals(id, second.id, "the entry is reused under a new id");
        assertNull(table.find(id), "the old id does not reach the entry's new request");
        assertNull(table.find(second.id + 1), "an id naming an entry with nothing registered");
        assertNull(table.find(1L << 40 | 0xffff), "an index beyond the table");
        assertNull(table.find(-1), "a negative id");
        assertSame(second, table.find(second.id));
        assertFalse(table.abandon(first, id), "a stale caller cannot abandon the entry's new request");
        assertNull(table.fail(first, id, ErrorCode.MANAGER_GONE, "stale"), "nor fail it");
        assertEquals(Pending.LIVE, table.stateOf(second, second.id));
    }

    @Test
    void shouldGiveUniqueIdsAndRefuseBeyondCapacity() {
        PendingTable table = new PendingTable(4);
        Set<Long> ids = new HashSet<>();
        for (int round = 0; round < 100; round++) {
            Pending[] live = new Pending[4];
            for (int i = 0; i < 4; i++) {
                live[i] = table.register(RequestDescriptor.OPCODE_READ, i, true, null, null);
                ids.add(live[i].id);
            }
            assertThrows(IllegalStateException.class,
                    () -> table.register(RequestDescriptor.OPCODE_READ, 9, true, null, null), "more than the permits");
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
        assertEquals(PendingTable.WAKE, table.answer(p, id, CompletionDescriptor.STATUS_TIMEOUT,
                CompletionDescriptor.RESULT_SLOT_FENCED, true, false, out));
        assertTrue(table.settled(p, id));
        assertEquals(Pending.FAILED, table.stateOf(p, id));
        assertEquals(ErrorCode.TIMEOUT, p.failure);
        table.collected(p, id);
        assertEquals(Pending.ABANDONED, table.stateOf(p, id), "the device may still write the slot");
        assertEquals(0, table.permits.availablePermits());
        assertEquals(1, table.unattended(), "now only the completion thread will see the release");
        assertEquals(PendingTable.DONE, table.answer(p, id, CompletionDescriptor.STATUS_TIMEOUT,
                CompletionDescriptor.RESULT_SLOT_RELEASED, false, false, out));
        assertEquals(1, table.permits.availablePermits(), "the release frees the entry and its permit, once");
        assertEquals(0, table.unattended());
        assertEquals(PendingTable.UNMAPPED, table.answer(p, id, OK, 0, false, true, out));
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
        assertEquals(PendingTable.DONE, table.answer(p, id, OK, 0, false, false, out));
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
        assertEquals(PendingTable.LEAVE, table.answer(p, id, OK, 0, false, false, out));
        assertEquals(Pending.LIVE, table.stateOf(p, id), "left untouched");
        assertEquals(PendingTable.DELIVER, table.answer(p, id, OK, 7, false, true, out));
        assertSame(p.future, out.future);
        assertEquals(1, table.permits.availablePermits(), "held while its page is copied out");
        assertEquals(Pending.DELIVERING, table.stateOf(p, id));
        assertNull(table.fail(p, id, ErrorCode.MANAGER_GONE, "late"), "a failure cannot overtake the delivery");
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
        assertEquals(Pending.FAILED, table.stateOf(sync, sync.id));
        assertEquals(ErrorCode.MANAGER_GONE, sync.failure);
        ExecutionException failed = assertThrows(ExecutionException.class, future::get);
        assertEquals(ErrorCode.MANAGER_GONE, ((PageStoreException) failed.getCause()).code());
        assertEquals(2, table.permits.availablePermits(), "the asynchronous and the abandoned entries are free");
        table.collected(sync, sync.id);
        assertEquals(3, table.permits.availablePermits());
        assertEquals(0, table.unattended());
    }
}
