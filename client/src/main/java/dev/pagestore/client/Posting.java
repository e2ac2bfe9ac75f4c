package dev.pagestore.client;

import dev.pagestore.ipc.ring.RequestDescriptor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * Posts a client's requests into a connection's request ring, for any number of threads. What may wait or take time
 * happens before the lock: permits (a park until the deadline), the request's entry and id (the entry's index is its
 * buffer slot), the copy of a write's data into its slot and its CRC. The lock is taken with the call's deadline, and
 * under it happen only the descriptors and one publish: the ring has one producer, and an atomic batch's entries
 * must follow each other in it.
 *
 * <p>An atomic batch reserves the permits and entries of all its members first, so it is posted whole or not at all.
 */
final class Posting {
    private final ReentrantLock lock = new ReentrantLock();
    /** One CRC engine per posting thread: the CRC is computed outside the lock. */
    private static final ThreadLocal<CRC32C> CRC = ThreadLocal.withInitial(CRC32C::new);
    /** Under the lock. */
    private long nextBatchId = 1;

    /**
     * A synchronous request, awaited by the calling thread ({@link Connection#awaitAnswer}); returns its id. Its entry
     * ({@link PendingTable#entry}) stays this thread's until it collects the answer.
     */
    long postSync(Connection c, byte opcode, long pageNumber, MemorySegment writeData, long deadlineNanos)
            throws PageStoreException {
        long id = reserve(c, opcode, pageNumber, writeData, Thread.currentThread(), null, null, true, deadlineNanos);
        publish(c, c.pending.entry(id), id, deadlineNanos);
        return id;
    }

    /**
     * A synchronous write of the {@link Connection#pageSizeBytes} bytes of {@code data} from its position (which is
     * left as it is), copied straight into the slot: no segment is made of the buffer.
     */
    long postSync(Connection c, long pageNumber, ByteBuffer data, long deadlineNanos) throws PageStoreException {
        long id = reserve(c, RequestDescriptor.OPCODE_WRITE, pageNumber, null, Thread.currentThread(), null, null,
                true, deadlineNanos);
        Pending p = c.pending.entry(id);
        try {
            c.slotBytes(p.index).put(0, data, data.position(), c.pageSizeBytes);
            checksum(c, p);
        } catch (RuntimeException e) {
            c.pending.forget(p, id);
            throw closedOr(c, e);
        }
        publish(c, p, id, deadlineNanos);
        return id;
    }

    /**
     * An asynchronous request; {@code readDestination} (or null) for a read. Unless it {@code mayWait} for a free
     * entry, a full table fails the returned future with {@code BUSY}.
     */
    CompletableFuture<Object> postAsync(Connection c, byte opcode, long pageNumber, MemorySegment writeData,
            MemorySegment readDestination, boolean mayWait, long deadlineNanos) throws PageStoreException {
        // This call's own reference: the answer, or the manager's death, may free the entry and another request
        // reuse it at any moment after the registration.
        CompletableFuture<Object> future = new CompletableFuture<>();
        long id;
        try {
            id = reserve(c, opcode, pageNumber, writeData, null, future, readDestination, mayWait, deadlineNanos);
        } catch (PageStoreException e) {
            if (e.code() == ErrorCode.BUSY) {
                return CompletableFuture.failedFuture(e);
            }
            throw e;
        }
        publish(c, c.pending.entry(id), id, deadlineNanos);
        return future;
    }

    /**
     * A request whose outcome {@link Completions#poll} collects under {@code tag}; false, with nothing sent, when
     * every entry is taken.
     */
    boolean postPolled(Connection c, byte opcode, long pageNumber, MemorySegment writeData,
            MemorySegment readDestination, long tag, long deadlineNanos) throws PageStoreException {
        try {
            c.acquirePermits(1, false, deadlineNanos);
        } catch (PageStoreException e) {
            if (e.code() == ErrorCode.BUSY) {
                return false;
            }
            throw e;
        }
        long id;
        try {
            id = c.pending.registerPolled(opcode, pageNumber, true, readDestination, tag);
        } catch (RuntimeException e) {
            c.giveBack(1);
            throw closedOr(c, e);
        }
        Pending p = c.pending.entry(id);
        try {
            fill(c, p, writeData);
        } catch (RuntimeException e) {
            c.pending.forget(p, id);
            throw closedOr(c, e);
        }
        publish(c, p, id, deadlineNanos);
        return true;
    }

    /**
     * Everything before the lock: a permit (waiting until the deadline), the entry and id, the data and its CRC.
     * Returns the id.
     */
    private static long reserve(Connection c, byte opcode, long pageNumber, MemorySegment writeData, Thread waiter,
            CompletableFuture<Object> future, MemorySegment readDestination, boolean mayWait, long deadlineNanos)
            throws PageStoreException {
        boolean data = opcode == RequestDescriptor.OPCODE_READ || opcode == RequestDescriptor.OPCODE_WRITE;
        c.acquirePermits(1, mayWait, deadlineNanos);
        long id;
        try {
            id = c.pending.register(opcode, data ? pageNumber : 0, data, waiter, future, readDestination);
        } catch (RuntimeException e) {
            c.giveBack(1);
            throw closedOr(c, e);
        }
        try {
            fill(c, c.pending.entry(id), writeData);
        } catch (RuntimeException e) {
            c.pending.forget(c.pending.entry(id), id);
            throw closedOr(c, e);
        }
        return id;
    }

    /** Under the lock: the descriptor and one publish. */
    private void publish(Connection c, Pending p, long id, long deadlineNanos) throws PageStoreException {
        if (!tryLock(deadlineNanos)) {
            c.pending.forget(p, id);
            throw lockTimedOut();
        }
        try {
            c.checkUsable();
            c.claim(1);
            describe(c, 0, p, id, (byte) 0, 0, deadlineNanos);
            c.publishClaimed();
        } catch (PageStoreException | RuntimeException | Error e) {
            forget(c, new Pending[] {p}, new long[] {id});
            throw rethrown(c, e);
        } finally {
            lock.unlock();
        }
        failIfEnded(c, p, id);
    }

    /** An atomic batch of whole-page writes: BEGIN, the writes, END, adjacent in the ring and all or none posted. */
    CompletableFuture<Void> postBatch(Connection c, long[] pageNumbers, byte[][] data, boolean mayWait,
            long deadlineNanos) throws PageStoreException {
        int n = pageNumbers.length;
        Pending[] members = new Pending[n + 2];
        long[] ids = new long[n + 2];
        CompletableFuture<?>[] parts = new CompletableFuture<?>[n + 2];
        try {
            c.acquirePermits(n + 2, mayWait, deadlineNanos);
        } catch (PageStoreException e) {
            if (e.code() == ErrorCode.BUSY) {
                return CompletableFuture.failedFuture(e);
            }
            throw e;
        }
        int registered = 0;
        try {
            for (int i = 0; i < n + 2; i++) {
                byte opcode = i == 0 ? RequestDescriptor.OPCODE_BATCH_BEGIN : i == n + 1
                        ? RequestDescriptor.OPCODE_BATCH_END : RequestDescriptor.OPCODE_WRITE;
                boolean write = opcode == RequestDescriptor.OPCODE_WRITE;
                CompletableFuture<Object> part = new CompletableFuture<>();
                parts[i] = part;
                ids[i] = c.pending.register(opcode, write ? pageNumbers[i - 1] : 0, write, null, part, null);
                members[i] = c.pending.entry(ids[i]);
                registered++;
                if (write) {
                    fill(c, members[i], MemorySegment.ofArray(data[i - 1]));
                }
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < registered; i++) {
                c.pending.forget(members[i], ids[i]);
            }
            c.giveBack(n + 2 - registered);
            throw closedOr(c, e);
        }
        if (!tryLock(deadlineNanos)) {
            for (int i = 0; i < n + 2; i++) {
                c.pending.forget(members[i], ids[i]);
            }
            throw lockTimedOut();
        }
        try {
            c.checkUsable();
            c.claim(n + 2);
            long batchId = nextBatchId++;
            for (int i = 0; i < n + 2; i++) {
                describe(c, i, members[i], ids[i], RequestDescriptor.FLAG_IN_BATCH, batchId, deadlineNanos);
            }
            c.publishClaimed();
        } catch (PageStoreException | RuntimeException | Error e) {
            forget(c, members, ids);
            throw rethrown(c, e);
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < n + 2; i++) {
            failIfEnded(c, members[i], ids[i]);
        }
        return CompletableFuture.allOf(parts);
    }

    /** Copies a write's data into its slot with its CRC (outside the lock: the slot is this call's alone). */
    private static void fill(Connection c, Pending p, MemorySegment writeData) {
        if (writeData != null) {
            c.buffer(p.index).copyFrom(writeData);
            checksum(c, p);
        }
    }

    /**
     * The CRC of what the slot holds now, checked by the manager against its own copy of the slot: a slot changed
     * between here and the manager's copy (a stray write in this process) fails as INVALID.
     */
    private static void checksum(Connection c, Pending p) {
        CRC32C crc = CRC.get();
        crc.reset();
        crc.update(c.slotBytes(p.index));
        p.checksum = (int) crc.getValue();
        p.checksummed = true;
    }

    /**
     * Reserves an entry, and so its slot, for a write of {@code pageNumber} that the caller builds in place
     * ({@link PageClaims}); nothing is sent until {@link #commitClaimed}.
     */
    long claimWrite(Connection c, long pageNumber, long deadlineNanos) throws PageStoreException {
        long id = reserve(c, RequestDescriptor.OPCODE_WRITE, pageNumber, null, Thread.currentThread(), null, null,
                true, deadlineNanos);
        Pending p = c.pending.entry(id);
        p.deadlineNanos = deadlineNanos;
        c.pending.claim(p, id, true);
        return id;
    }

    /** Sends a claimed write: the CRC of what its slot holds now, then its descriptor. */
    void commitClaimed(Connection c, Pending p, long id) throws PageStoreException {
        c.pending.claim(p, id, false);
        checksum(c, p);
        publish(c, p, id, p.deadlineNanos);
    }

    /** Writes claimed entry {@code index} for {@code p} (under the lock). */
    private static void describe(Connection c, int index, Pending p, long id, byte flags, long batchId,
            long deadlineNanos) {
        c.write(index, p.opcode, p.checksummed ? (byte) (flags | RequestDescriptor.FLAG_CHECKSUM) : flags, id,
                p.pageNumber, p.slot(), deadlineNanos, batchId, p.checksum);
    }

    /** Takes the lock by the deadline; false when the deadline passed first or the thread was interrupted. */
    private boolean tryLock(long deadlineNanos) {
        try {
            return lock.tryLock(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static PageStoreException lockTimedOut() {
        return new PageStoreException(ErrorCode.TIMEOUT, Thread.currentThread().isInterrupted()
                ? "interrupted while waiting to post" : "other threads kept the request ring until the deadline");
    }

    /** Undoes a post that failed before its publish: nothing of it reached the ring, and its entries are free. */
    private static void forget(Connection c, Pending[] posted, long[] ids) {
        c.requests.unbindThread();  // entries claimed and not published are claimed again by the next post
        for (int i = 0; i < posted.length; i++) {
            c.pending.forget(posted[i], ids[i]);
        }
    }

    /**
     * The connection ended while this was posted: the sweep that failed every outstanding request may have run before
     * this one was registered.
     */
    private static void failIfEnded(Connection c, Pending p, long id) {
        if (c.ended()) {
            LockSupport.unpark(c.pending.fail(p, id, c.endCode(), c.endDetail()));
        }
    }

    private static PageStoreException rethrown(Connection c, Throwable e) throws PageStoreException {
        if (e instanceof PageStoreException p) {
            return p;
        }
        if (e instanceof Error error) {
            throw error;
        }
        throw closedOr(c, (RuntimeException) e);
    }

    /**
     * A closed channel's memory fails with an unchecked exception: when the connection is gone or closing, that is
     * the call's MANAGER_GONE or CLOSED, not a bug of the caller's.
     */
    private static RuntimeException closedOr(Connection c, RuntimeException e) throws PageStoreException {
        try {
            c.checkUsable();
        } catch (PageStoreException gone) {
            gone.addSuppressed(e);
            throw gone;
        }
        return e;
    }
}
