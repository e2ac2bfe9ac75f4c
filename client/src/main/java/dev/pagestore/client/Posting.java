package dev.pagestore.client;

import dev.pagestore.ipc.ring.RequestDescriptor;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * Posts a client's requests into a connection's request ring, for any number of threads. What may wait or take time
 * happens before the lock: permits (a park until the deadline), buffer slots, the copy of a write's data into its
 * slot and its CRC. The lock is taken with the call's deadline, and under it happen only the request ids, the
 * descriptors and one publish: the ring has one producer, and an atomic batch's entries must follow each other in it.
 *
 * <p>An atomic batch reserves the permits and slots of all its members first, so it is posted whole or not at all.
 */
final class Posting {
    private final ReentrantLock lock = new ReentrantLock();
    /** One CRC engine per posting thread: the CRC is computed outside the lock. */
    private static final ThreadLocal<CRC32C> CRC = ThreadLocal.withInitial(CRC32C::new);
    /** Under the lock. */
    private long nextBatchId = 1;

    /** One request; {@code writeData} for a write, {@code readDestination} (or null) for a read. */
    Pending post(Connection c, byte opcode, long pageNumber, MemorySegment writeData,
            MemorySegment readDestination, long deadlineNanos) throws PageStoreException {
        boolean data = opcode == RequestDescriptor.OPCODE_READ || opcode == RequestDescriptor.OPCODE_WRITE;
        c.acquirePermits(1, deadlineNanos);
        int slot = -1;
        Pending p;
        try {
            if (data) {
                slot = c.takeSlot();
            }
            p = new Pending(slot, opcode, data ? pageNumber : 0, readDestination);
            fill(c, p, writeData);
        } catch (RuntimeException e) {
            c.giveBack(1, slot);
            throw closedOr(c, e);
        }
        if (!tryLock(deadlineNanos)) {
            c.giveBack(1, slot);
            throw lockTimedOut();
        }
        long id;
        try {
            c.checkUsable();
            c.claim(1);
            id = c.pending.register(p);
            describe(c, 0, p, id, (byte) 0, 0, deadlineNanos);
            c.publishClaimed();
        } catch (PageStoreException | RuntimeException | Error e) {
            forget(c, p);
            throw rethrown(c, e);
        } finally {
            lock.unlock();
        }
        failIfGone(c, p);
        return p;
    }

    /** An atomic batch of whole-page writes: BEGIN, the writes, END, adjacent in the ring and all or none posted. */
    CompletableFuture<Void> postBatch(Connection c, long[] pageNumbers, byte[][] data, long deadlineNanos)
            throws PageStoreException {
        int n = pageNumbers.length;
        Pending[] members = new Pending[n + 2];
        c.acquirePermits(n + 2, deadlineNanos);
        int[] slots = new int[n];
        int slotsTaken = 0;
        try {
            members[0] = new Pending(-1, RequestDescriptor.OPCODE_BATCH_BEGIN, 0, null);
            for (int i = 0; i < n; i++) {
                slots[slotsTaken] = c.takeSlot();
                slotsTaken++;
                members[i + 1] = new Pending(slots[i], RequestDescriptor.OPCODE_WRITE, pageNumbers[i],
                        null);
                fill(c, members[i + 1], MemorySegment.ofArray(data[i]));
            }
            members[n + 1] = new Pending(-1, RequestDescriptor.OPCODE_BATCH_END, 0, null);
        } catch (RuntimeException e) {
            c.giveBack(n + 2, slots, slotsTaken);
            throw closedOr(c, e);
        }
        if (!tryLock(deadlineNanos)) {
            c.giveBack(n + 2, slots, slotsTaken);
            throw lockTimedOut();
        }
        try {
            c.checkUsable();
            c.claim(n + 2);
            long batchId = nextBatchId++;
            for (int i = 0; i < n + 2; i++) {
                long id = c.pending.register(members[i]);
                describe(c, i, members[i], id, RequestDescriptor.FLAG_IN_BATCH, batchId, deadlineNanos);
            }
            c.publishClaimed();
        } catch (PageStoreException | RuntimeException | Error e) {
            forget(c, members);
            throw rethrown(c, e);
        } finally {
            lock.unlock();
        }
        CompletableFuture<?>[] parts = new CompletableFuture<?>[n + 2];
        for (int i = 0; i < n + 2; i++) {
            failIfGone(c, members[i]);
            parts[i] = members[i].future;
        }
        return CompletableFuture.allOf(parts);
    }

    /** Copies a write's data into its slot with its CRC (outside the lock: the slot is this call's alone). */
    private static void fill(Connection c, Pending p, MemorySegment writeData) {
        if (writeData != null) {
            MemorySegment slot = c.buffer(p.slot);
            slot.copyFrom(writeData);
            // The CRC of what the slot holds now, checked by the manager against its own copy of the slot: a slot
            // changed between here and the manager's copy (a stray write in this process) fails as INVALID.
            CRC32C crc = CRC.get();
            crc.reset();
            crc.update(slot.asByteBuffer());
            p.checksum = (int) crc.getValue();
            p.checksummed = true;
        }
    }

    /** Writes claimed entry {@code index} for {@code p} (under the lock). */
    private static void describe(Connection c, int index, Pending p, long id, byte flags, long batchId,
            long deadlineNanos) {
        c.write(index, p.opcode, p.checksummed ? (byte) (flags | RequestDescriptor.FLAG_CHECKSUM) : flags, id,
                p.pageNumber, p.slot, deadlineNanos, batchId, p.checksum);
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

    /**
     * Undoes a post that failed before its publish: nothing of it reached the ring. Each request's permit and slot go
     * back unless another thread ended the request first (the manager answering an id it never received, say), which
     * then gave them back itself.
     */
    private static void forget(Connection c, Pending... posted) {
        c.requests.unbindThread();  // entries claimed and not published are claimed again by the next post
        for (Pending p : posted) {
            if (p.id < 0 || c.pending.remove(p.id) != null) {
                c.giveBack(1, p.slot);
            }
        }
    }

    /** The manager went while this was posted: nobody else will fail it if it is still registered. */
    private static void failIfGone(Connection c, Pending p) {
        if (c.gone && c.pending.remove(p.id) != null && p.finish()) {
            p.future.completeExceptionally(new PageStoreException(ErrorCode.MANAGER_GONE, c.goneDetail));
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
