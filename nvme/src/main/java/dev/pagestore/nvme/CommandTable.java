package dev.pagestore.nvme;

import java.lang.foreign.MemorySegment;

/**
 * Every command a {@link QueuePair} has accepted and not yet released, in fixed columns sized by the queue depth at
 * construction: nothing is allocated per I/O.
 *
 * <h2>Command ids</h2>
 * A command id (cid) is 16 bits, as in NVMe: the low {@code slotBits} bits are the slot, the rest a generation that
 * advances every time the slot is issued (a retry included). A completion is matched on the whole cid, so a late or
 * repeated completion for a slot's previous use cannot complete the command that now occupies the slot: it is
 * recognised as a duplicate (it names the slot's previous generation) or as unmapped (anything else). Generations
 * wrap, so a stale completion more than {@code 2^(16-slotBits) - 1} uses old could alias; the queue depth limit of
 * {@value #QUEUE_DEPTH_MAX} keeps at least 16 generations.
 *
 * <h2>Slot states</h2>
 * <pre>
 *   FREE ──prepare──► PREPARED ──submit──► IN_FLIGHT ──completion──► FREE
 *                                            │   ▲ (retry issued)
 *                                 transient  ▼   │
 *                                          RETRY_WAIT ──deadline──► FREE (TIMEOUT)
 *                       IN_FLIGHT ──deadline──► FENCED ──real completion──► FREE (fence released)
 *   PREPARED, RETRY_WAIT ──close──► FREE (ABORTED)      IN_FLIGHT, FENCED ──close gave up──► FREE (ABORTED)
 * </pre>
 * Each arrow is one method below, which also keeps the per-state counts.
 * Not thread-safe: owned by the queue pair's owner thread.
 */
final class CommandTable {
    static final int QUEUE_DEPTH_MAX = 4096;
    static final int CID_BITS = 16;

    static final byte FREE = 0;
    static final byte PREPARED = 1;
    static final byte IN_FLIGHT = 2;
    static final byte RETRY_WAIT = 3;
    static final byte FENCED = 4;

    final int depth;
    final int slotBits;
    final int slotMask;
    final int generationMask;

    final byte[] state;
    final byte[] opcode;
    final long[] tag;
    final MemorySegment[] buffer;
    final long[] deviceOffset;
    final int[] length;
    final long[] deadlineNanos;
    final long[] retryAtNanos;
    final int[] attempts;
    final int[] generation;
    /** How many times each slot has been issued, saturating: tells "previous use" from "never used". */
    final byte[] issues;

    private final int[] freeSlots;
    private int freeCount;
    int inFlightCount;
    int retryWaitCount;
    int fencedCount;
    int preparedCount;

    CommandTable(int depth) {
        if (depth < 1 || depth > QUEUE_DEPTH_MAX) {
            throw new IllegalArgumentException("queueDepth=" + depth + " is outside 1.." + QUEUE_DEPTH_MAX);
        }
        this.depth = depth;
        this.slotBits = Math.max(1, 32 - Integer.numberOfLeadingZeros(depth - 1));
        this.slotMask = (1 << slotBits) - 1;
        this.generationMask = (1 << (CID_BITS - slotBits)) - 1;
        assert generationMask >= 15 : "too few generation bits for depth " + depth;
        state = new byte[depth];
        opcode = new byte[depth];
        tag = new long[depth];
        buffer = new MemorySegment[depth];
        deviceOffset = new long[depth];
        length = new int[depth];
        deadlineNanos = new long[depth];
        retryAtNanos = new long[depth];
        attempts = new int[depth];
        generation = new int[depth];
        issues = new byte[depth];
        freeSlots = new int[depth];
        for (int i = 0; i < depth; i++) {
            freeSlots[i] = depth - 1 - i;  // slot 0 is handed out first
        }
        freeCount = depth;
    }

    int freeCount() {
        return freeCount;
    }

    // ------------------------------------------------------------------ transitions: the diagram above, one each

    /** FREE ──prepare──► PREPARED: takes a free slot for a command, or returns -1 when every slot is in use. */
    int prepare(IoOpcode op, long tag, MemorySegment buffer, long deviceOffset, int length, long deadline) {
        if (freeCount == 0) {
            return -1;
        }
        int slot = freeSlots[--freeCount];
        assert state[slot] == FREE : "slot " + slot + " on the free list is in state " + state[slot];
        state[slot] = PREPARED;
        opcode[slot] = (byte) op.ordinal();
        this.tag[slot] = tag;
        this.buffer[slot] = buffer;
        this.deviceOffset[slot] = deviceOffset;
        this.length[slot] = length;
        deadlineNanos[slot] = deadline;
        attempts[slot] = 0;
        preparedCount++;
        return slot;
    }

    /** PREPARED or RETRY_WAIT ──submit──► IN_FLIGHT: returns the cid of this attempt (a new generation). */
    int issue(int slot) {
        byte from = state[slot];
        assert from == PREPARED || from == RETRY_WAIT : "issue of slot " + slot + " in state " + from;
        if (from == PREPARED) {
            preparedCount--;
        } else {
            retryWaitCount--;
        }
        state[slot] = IN_FLIGHT;
        inFlightCount++;
        return nextCid(slot);
    }

    /** Undoes {@link #issue} when the backend refused the command by throwing: back to {@code from}, not issued. */
    void unissue(int slot, byte from) {
        assert state[slot] == IN_FLIGHT : "unissue of slot " + slot + " in state " + state[slot];
        inFlightCount--;
        state[slot] = from;
        if (from == PREPARED) {
            preparedCount++;
        } else {
            retryWaitCount++;
        }
    }

    /** IN_FLIGHT ──completion──► FREE. */
    void complete(int slot) {
        assert state[slot] == IN_FLIGHT : "completion of slot " + slot + " in state " + state[slot];
        inFlightCount--;
        release(slot);
    }

    /** IN_FLIGHT ──transient failure──► RETRY_WAIT until {@code retryAt}. */
    void awaitRetry(int slot, long retryAt) {
        assert state[slot] == IN_FLIGHT : "retry of slot " + slot + " in state " + state[slot];
        inFlightCount--;
        attempts[slot]++;
        state[slot] = RETRY_WAIT;
        retryWaitCount++;
        retryAtNanos[slot] = retryAt;
    }

    /** IN_FLIGHT ──deadline──► FENCED: the caller hears TIMEOUT, the device still owns the buffer. */
    void fence(int slot) {
        assert state[slot] == IN_FLIGHT : "fence of slot " + slot + " in state " + state[slot];
        inFlightCount--;
        state[slot] = FENCED;
        fencedCount++;
    }

    /** FENCED ──real completion──► FREE. */
    void releaseFence(int slot) {
        assert state[slot] == FENCED : "fence release of slot " + slot + " in state " + state[slot];
        fencedCount--;
        release(slot);
    }

    /** RETRY_WAIT ──deadline──► FREE, or PREPARED/RETRY_WAIT ──close──► FREE: the device holds nothing. */
    void drop(int slot) {
        byte from = state[slot];
        assert from == PREPARED || from == RETRY_WAIT : "drop of slot " + slot + " in state " + from;
        if (from == PREPARED) {
            preparedCount--;
        } else {
            retryWaitCount--;
        }
        release(slot);
    }

    /** IN_FLIGHT or FENCED ──close gave up waiting──► FREE: the backend is closed next, ending the device's use. */
    void abandon(int slot) {
        byte from = state[slot];
        assert from == IN_FLIGHT || from == FENCED : "abandon of slot " + slot + " in state " + from;
        if (from == IN_FLIGHT) {
            inFlightCount--;
        } else {
            fencedCount--;
        }
        release(slot);
    }

    private void release(int slot) {
        state[slot] = FREE;
        buffer[slot] = null;
        assert freeCount < depth : "free list overflow releasing slot " + slot;
        freeSlots[freeCount++] = slot;
    }

    /** The cid for the slot's current generation. */
    int cid(int slot) {
        return generation[slot] << slotBits | slot;
    }

    private int nextCid(int slot) {
        if (issues[slot] < Byte.MAX_VALUE) {
            issues[slot]++;
        }
        generation[slot] = (generation[slot] + 1) & generationMask;
        return cid(slot);
    }

    int slotOf(int cid) {
        return cid & slotMask;
    }

    int generationOf(int cid) {
        return (cid >>> slotBits) & generationMask;
    }

    int previousGeneration(int slot) {
        return (generation[slot] - 1) & generationMask;
    }

    /** Whether {@code cid} is a well-formed 16-bit id naming a slot of this table. */
    boolean inRange(int cid) {
        return cid >= 0 && cid >>> CID_BITS == 0 && slotOf(cid) < depth;
    }
}
