package dev.pagestore.client;

import dev.pagestore.ipc.ring.RequestDescriptor;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * Posts a client's requests into a connection's request ring, for any number of threads. Everything that may wait or
 * take time happens before the lock: permits (a park until the deadline), buffer slots, the copy of a write's data
 * into its slot and its CRC. Under the lock, held for as long as the lock's own wait allows (never past the
 * deadline), only the request ids, the descriptors and one publish: the ring has one producer, and an atomic batch's
 * entries must follow each other in it.
 *
 * <p>An atomic batch reserves the permits and slots of all its members first, so it is posted whole or not at all.
 */
final class Posting {
    private final ReentrantLock lock = new ReentrantLock();
    private long nextBatchId = 1;

    /** What one member of a post is: reserved, filled, then described in the ring. */
    private static final class Member {
        byte opcode;
        byte flags;
        long pageNumber;
        int slot = -1;
        int checksum;
        Connection.Pending pending;
    }

    /** One request; {@code writeData} for a write, {@code readDestination} (or null) for a read. */
    CompletableFuture<Object> post(Connection c, byte opcode, long pageNumber, MemorySegment writeData,
            MemorySegment readDestination, long deadlineNanos) throws PageStoreException {
        boolean data = opcode == RequestDescriptor.OPCODE_READ || opcode == RequestDescriptor.OPCODE_WRITE;
        Member m = new Member();
        m.opcode = opcode;
        m.pageNumber = data ? pageNumber : 0;
        c.acquirePermits(1, deadlineNanos);
        int[] slots = new int[1];
        int slotsTaken = 0;
        try {
            if (data) {
                m.slot = c.takeSlot();
                slots[slotsTaken++] = m.slot;
            }
            fill(c, m, writeData);
            m.pending = new Connection.Pending(m.slot, opcode, pageNumber, readDestination);
        } catch (RuntimeException e) {
            c.giveBack(1, slots, slotsTaken);
            throw closedOr(c, e);
        }
        publish(c, new Member[] {m}, 0, deadlineNanos, slots, slotsTaken);
        return m.pending.future;
    }

    /** An atomic batch of whole-page writes: BEGIN, the writes, END, adjacent in the ring and all or none posted. */
    CompletableFuture<Void> postBatch(Connection c, long[] pageNumbers, byte[][] data, long deadlineNanos)
            throws PageStoreException {
        int n = pageNumbers.length;
        Member[] members = new Member[n + 2];
        c.acquirePermits(n + 2, deadlineNanos);
        int[] slots = new int[n];
        int slotsTaken = 0;
        try {
            for (int i = 0; i < n + 2; i++) {
                Member m = new Member();
                boolean write = i > 0 && i <= n;
                m.opcode = i == 0 ? RequestDescriptor.OPCODE_BATCH_BEGIN
                        : write ? RequestDescriptor.OPCODE_WRITE : RequestDescriptor.OPCODE_BATCH_END;
                m.flags = RequestDescriptor.FLAG_IN_BATCH;
                if (write) {
                    m.pageNumber = pageNumbers[i - 1];
                    m.slot = c.takeSlot();
                    slots[slotsTaken++] = m.slot;
                    fill(c, m, MemorySegment.ofArray(data[i - 1]));
                }
                m.pending = new Connection.Pending(m.slot, m.opcode, m.pageNumber, null);
                members[i] = m;
            }
        } catch (RuntimeException e) {
            c.giveBack(n + 2, slots, slotsTaken);
            throw closedOr(c, e);
        }
        publish(c, members, -1, deadlineNanos, slots, slotsTaken);
        CompletableFuture<?>[] parts = new CompletableFuture<?>[members.length];
        for (int i = 0; i < members.length; i++) {
            parts[i] = members[i].pending.future;
        }
        return CompletableFuture.allOf(parts);
    }

    /** Copies a write's data into its slot with the CRC the manager checks its own copy against. */
    private static void fill(Connection c, Member m, MemorySegment writeData) {
        if (writeData == null) {
            return;
        }
        // The CRC of the caller's data, checked by the manager against its own copy of the slot: a slot changed
        // between here and the manager's copy (a stray write in this process) fails as INVALID, never lands.
        CRC32C crc = new CRC32C();
        crc.update(writeData.asByteBuffer());  // a heap segment's buffer wraps its array: no copy either way
        m.checksum = (int) crc.getValue();
        m.flags |= RequestDescriptor.FLAG_CHECKSUM;
        c.buffer(m.slot).copyFrom(writeData);
    }

    /**
     * Registers and publishes reserved members under the lock; {@code batchId} -1 takes the next batch id. On failure
     * every permit and slot goes back and nothing is published.
     */
    private void publish(Connection c, Member[] members, long batchId, long deadlineNanos, int[] slots,
            int slotsTaken) throws PageStoreException {
        try {
            if (!lock.tryLock(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                c.giveBack(members.length, slots, slotsTaken);
                throw new PageStoreException(ErrorCode.TIMEOUT, "other threads kept the request ring until the"
                        + " deadline");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c.giveBack(members.length, slots, slotsTaken);
            throw new PageStoreException(ErrorCode.TIMEOUT, "interrupted while waiting to post", e);
        }
        long firstId = -1;
        int registered = 0;
        try {
            c.checkUsable();
            c.claim(members.length);
            long batch = batchId < 0 ? nextBatchId++ : batchId;
            firstId = c.nextRequestId;
            c.nextRequestId += members.length;
            for (int i = 0; i < members.length; i++) {
                Member m = members[i];
                c.pending.put(firstId + i, m.pending);
                registered++;
                c.write(i, m.opcode, m.flags, firstId + i, m.pageNumber, m.slot, deadlineNanos, batch, m.checksum);
            }
            c.publishClaimed();
        } catch (PageStoreException e) {
            forget(c, firstId, registered, members.length, slots, slotsTaken);
            throw e;
        } catch (RuntimeException e) {
            forget(c, firstId, registered, members.length, slots, slotsTaken);
            throw closedOr(c, e);
        } finally {
            lock.unlock();
        }
        if (c.gone) {
            // The manager went while these were posted: nobody else will fail the ones still registered.
            for (int i = 0; i < members.length; i++) {
                if (c.pending.remove(firstId + i) != null) {
                    members[i].pending.future.completeExceptionally(
                            new PageStoreException(ErrorCode.MANAGER_GONE, c.goneDetail));
                }
            }
        }
    }

    /** Undoes a post that failed before its publish: nothing of it reached the ring. */
    private static void forget(Connection c, long firstId, int registered, int permits, int[] slots, int slotsTaken) {
        c.requests.unbindThread();  // entries claimed and not published are claimed again by the next post
        for (int i = 0; i < registered; i++) {
            c.pending.remove(firstId + i);
        }
        c.giveBack(permits, slots, slotsTaken);
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
