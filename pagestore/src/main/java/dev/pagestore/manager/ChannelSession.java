package dev.pagestore.manager;

import dev.pagestore.ipc.channel.Channel;
import dev.pagestore.ipc.control.ControlSession;
import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.ipc.ring.RingConsumer;
import dev.pagestore.ipc.ring.RingProducer;

/**
 * The manager's state for one attached worker's channel, owned by the reactor that serves it: the outstanding
 * request ids (a reused id is INVALID), the completions waiting for room in the completion ring, and the atomic batch
 * being collected. Created on the control thread, handed to the reactor through its queue.
 *
 * <p>A completion is written once, straight into a claimed entry of the completion ring, and the pass's entries are
 * published together by {@link #flushCompletions}. Only when the ring is full (the worker is behind) does a
 * completion wait in the backlog here, and every later one queues behind it, so the worker sees them in order.
 */
final class ChannelSession {
    final Channel channel;
    final ControlSession control;
    /** The name the worker gave itself, as it sent it. */
    final String clientName;
    final String workerName;
    final RingConsumer requests;
    final RingProducer completions;
    final int slotCount;
    final int capacity;
    /** The reactor serving this channel (set once, before the session is handed to it). */
    Reactor reactor;
    /** Whether workers may write; a channel of the manager's own process (its log applier) always may. */
    private final WriteGate writes;
    private final boolean ownProcess;

    /** Ids of requests accepted and not yet finally completed ({@link #admit}, {@link #settle}). */
    final LongCounts outstandingIds;
    /** This channel's figures for its row of the status region. */
    final ChannelCounters counters = new ChannelCounters();
    /**
     * Slots named by accepted data requests that are not yet finally completed. A slot belongs to its request until
     * then; a worker that names a held slot again is answered INVALID, which also bounds the manager's private copies
     * of a channel's writes to its slot count (else one worker could post every write from slot 0 and have the
     * manager copy its 64-page slab a thousand times over).
     */
    private final boolean[] slotsHeld;
    /** Requests accepted whose work (device or WAL) has not ended; the channel is reclaimed only at zero. */
    int inProgressOps;
    /** Completions that found the ring full, in order: id, status, slot, result (parallel, bounded by capacity*4). */
    private final long[] pendingIds;
    private final int[] pendingStatus;
    private final int[] pendingSlots;
    private final long[] pendingResults;
    private int pendingHead;
    private int pendingCount;
    /** What went wrong writing into the completion ring, rethrown by the next flush; null while all is well. */
    private Throwable ringFault;

    /** The batch being collected, or null. */
    Op openBatch;
    long openBatchId;
    boolean openBatchInvalid;

    /** The slab's entry in the reactor's registered buffers ({@code QueuePair.attachBuffer}), or -1. */
    int bufferHandle = -1;

    /** Set by the reactor when the control plane says the worker is gone. */
    boolean detaching;
    long detachedAtNanos;

    ChannelSession(Channel channel, ControlSession control, String clientName, WriteGate writes) {
        this.channel = channel;
        this.writes = writes;
        // the kernel's word (SO_PEERCRED): no other process has this manager's pid in its namespace
        this.ownProcess = control != null && control.worker().pid() == ProcessHandle.current().pid();
        this.control = control;
        this.clientName = clientName;
        this.workerName = control == null ? clientName : clientName + " (pid " + control.worker().pid() + ")";
        this.requests = channel.requestConsumer();
        this.completions = channel.completionProducer();
        this.slotCount = channel.parameters().slotCount();
        this.capacity = channel.parameters().completionRingCapacity();
        this.outstandingIds = new LongCounts(capacity);
        this.slotsHeld = new boolean[slotCount];
        int pendingMax = 4 * capacity;
        pendingIds = new long[pendingMax];
        pendingStatus = new int[pendingMax];
        pendingSlots = new int[pendingMax];
        pendingResults = new long[pendingMax];
    }

    /** A request {@code requestId} is accepted: it is outstanding until {@link #settle}. */
    void admit(long requestId) {
        outstandingIds.increment(requestId);
        counters.add(ChannelCounters.ACCEPTED, 1);
    }

    /** Request {@code requestId} has its final answer. */
    void settle(long requestId) {
        outstandingIds.decrement(requestId);
        counters.add(ChannelCounters.SETTLED, 1);
    }

    /** Takes slots [slot, slot + count) for an accepted request; false (taking none) when any is held already. */
    boolean holdSlots(int slot, int count) {
        for (int i = slot; i < slot + count; i++) {
            if (slotsHeld[i]) {
                return false;
            }
        }
        for (int i = slot; i < slot + count; i++) {
            slotsHeld[i] = true;
        }
        return true;
    }

    /** Gives back slots taken by {@link #holdSlots}, at the request's final completion. */
    void releaseSlots(int slot, int count) {
        for (int i = slot; i < slot + count; i++) {
            assert slotsHeld[i] : "slot " + i + " of " + this + " released but not held";
            slotsHeld[i] = false;
        }
    }

    /** Requests this reactor still owes an answer or a slot release, plus completions not yet posted. */
    int load() {
        return outstandingIds.size() + pendingCompletions();
    }

    /** Completions written or queued and not yet published. */
    int pendingCompletions() {
        return pendingCount + completions.claimed();
    }

    /** Writes a completion into the ring, or queues it while the ring is full; published by {@link #flushCompletions}. */
    void complete(long requestId, int status, int slot, long result) {
        if (detaching) {
            return;
        }
        counters.answered(status, result);
        int checkedSlot = slot >= 0 && slot < slotCount ? slot : -1;
        if (pendingCount == 0 && ringFault == null && writeInPlace(requestId, status, checkedSlot, result)) {
            return;
        }
        if (pendingCount == pendingIds.length) {
            // Bounded by the admission rule (load < capacity); reaching it means that rule broke.
            throw new IllegalStateException("completion backlog of channel " + channel.name() + " is full ("
                    + pendingCount + ")");
        }
        int i = (pendingHead + pendingCount) % pendingIds.length;
        pendingIds[i] = requestId;
        pendingStatus[i] = status;
        pendingSlots[i] = checkedSlot;
        pendingResults[i] = result;
        pendingCount++;
    }

    /**
     * Writes a completion into the next claimed ring entry; false when the ring is full. Claiming reads the worker's
     * consumer sequence, which a hostile worker may have set to anything: the fault is kept for
     * {@link #flushCompletions} to throw, where the reactor stops serving this channel alone (the callers of
     * {@link #complete} are in the middle of other work).
     */
    private boolean writeInPlace(long requestId, int status, int slot, long result) {
        try {
            int written = completions.claimed();
            if (completions.tryClaim(written + 1) == written) {
                return false;
            }
            CompletionDescriptor.write(completions.segment(), completions.entryOffset(written), requestId, status,
                    slot, result);
            return true;
        } catch (Throwable e) {  // worker-controlled memory: Errors included (STYLE.md)
            ringFault = e;
            return false;
        }
    }

    /**
     * Publishes the completions written into the ring and as many queued ones as now fit, with one publish. Returns
     * how many.
     */
    int flushCompletions() {
        if (detaching) {
            return 0;
        }
        if (ringFault instanceof RuntimeException e) {
            throw e;
        } else if (ringFault != null) {
            throw new IllegalStateException("writing into the completion ring of " + this + " failed", ringFault);
        }
        int written = completions.claimed();
        if (pendingCount == 0) {
            completions.publish(written);
            return written;
        }
        int n = completions.tryClaim(written + Math.min(pendingCount, capacity));
        for (int k = written; k < n; k++) {
            int i = pendingHead;
            CompletionDescriptor.write(completions.segment(), completions.entryOffset(k), pendingIds[i],
                    pendingStatus[i], pendingSlots[i], pendingResults[i]);
            pendingHead = (pendingHead + 1) % pendingIds.length;
            pendingCount--;
        }
        completions.publish(n);
        return n;
    }

    @Override
    public String toString() {
        return "channel " + channel.name() + " of " + workerName;
    }

    /** Whether this channel's writes are served now (else they are answered READ_ONLY). */
    boolean mayWrite() {
        return ownProcess || writes.isOpen();
    }
}
