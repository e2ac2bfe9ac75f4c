package dev.pagestore.manager;

import java.lang.foreign.MemorySegment;

/**
 * One unit of reactor work: a read request, a write request, or a whole atomic batch (BEGIN, its writes, END). Its
 * members are the worker requests to complete when it ends; its pages are what it reads or writes.
 *
 * <p>Owned by one reactor thread; the WAL writer thread only sets {@link #lsn}/{@link #walFailure} before handing it
 * back through the reactor's {@link DurableOps} (a happens-before edge).
 */
final class Op {
    static final byte READ = 1;
    static final byte WRITE = 2;

    final int id;
    byte kind;
    ChannelSession session;
    long startNanos;
    /** Earliest member deadline, {@code 0} for none. */
    long deadlineNanos;
    /** Where this op sits in the reactor's {@link Deadlines}, -1 when it is not there. */
    int deadlineIndex = -1;
    boolean timedOut;
    boolean cancelled;
    /** Whether its completions are posted; a write's are as soon as it is committed, before its data write ends. */
    boolean answered;
    int status;
    long lsn = -1;
    /** {@link UnappliedWrites} ticket of a write, -1 when none. */
    long ticket = -1;
    /** Whether this op started: it took its page stripes and busy marks. */
    boolean started;
    /** Whether it still holds them (a read the device timed out gives them back before it ends). */
    boolean pagesHeld;
    Throwable walFailure;
    /** Link in the reactor's {@link DurableOps}; set by the pushing thread, read by the reactor. */
    Op nextDurable;
    /** Tells the reactor when this op's WAL record is durable; made once with the op, reused for every write. */
    dev.pagestore.wal.AppendCallback walCallback;

    // members: requests completed together when the op ends
    int memberCount;
    long[] requestIds = new long[4];
    int[] slots = new int[4];
    /** First page and page count of the member's data (count 0 for BEGIN/END markers). */
    long[] firstPages = new long[4];
    int[] pageCounts = new int[4];
    byte[] opcodes = new byte[4];
    /**
     * Writes: the manager's private copy of each member's pages ({@link StagingBuffers}), taken when the request is
     * accepted; the WAL and the device read only this, never the worker's slot. Null for reads and markers.
     */
    StagingBuffers.Buffer[] staging = new StagingBuffers.Buffer[4];
    /**
     * Reads: committed images of this op's pages that the data file does not hold yet ({@link UnwrittenPages}), one
     * per page in member order, overlaid on what the device read; null (the common case) when there are none.
     */
    byte[][] overlays;

    // device stage
    int nextMemberToPrepare;
    int devicePending;

    Op(int id) {
        this.id = id;
    }

    void reset(byte kind, ChannelSession session, long nowNanos) {
        this.kind = kind;
        this.session = session;
        this.startNanos = nowNanos;
        this.deadlineNanos = 0;
        assert deadlineIndex < 0 : "op " + id + " reused while still in the deadline heap";
        this.timedOut = false;
        this.cancelled = false;
        this.answered = false;
        this.status = 0;
        this.lsn = -1;
        this.ticket = -1;
        this.started = false;
        this.pagesHeld = false;
        this.walFailure = null;
        this.memberCount = 0;
        this.overlays = null;
        this.nextMemberToPrepare = 0;
        this.devicePending = 0;
    }

    void addMember(byte opcode, long requestId, int slot, long firstPage, int pageCount, long deadline) {
        if (memberCount == requestIds.length) {
            int n = memberCount * 2;
            requestIds = java.util.Arrays.copyOf(requestIds, n);
            slots = java.util.Arrays.copyOf(slots, n);
            firstPages = java.util.Arrays.copyOf(firstPages, n);
            pageCounts = java.util.Arrays.copyOf(pageCounts, n);
            opcodes = java.util.Arrays.copyOf(opcodes, n);
            staging = java.util.Arrays.copyOf(staging, n);
        }
        requestIds[memberCount] = requestId;
        slots[memberCount] = slot;
        firstPages[memberCount] = firstPage;
        pageCounts[memberCount] = pageCount;
        opcodes[memberCount] = opcode;
        staging[memberCount] = null;
        memberCount++;
        if (deadline != 0 && (deadlineNanos == 0 || deadline < deadlineNanos)) {
            deadlineNanos = deadline;
        }
    }

    int totalPages() {
        int total = 0;
        for (int m = 0; m < memberCount; m++) {
            total += pageCounts[m];
        }
        return total;
    }

    /** Whether any of pages [page, page + count) is one this op reads or writes. */
    boolean touchesAny(long page, int count) {
        for (long p = page; p < page + count; p++) {
            if (touches(p)) {
                return true;
            }
        }
        return false;
    }

    /** Whether page {@code page} is one this op reads or writes. */
    boolean touches(long page) {
        for (int m = 0; m < memberCount; m++) {
            if (page >= firstPages[m] && page < firstPages[m] + pageCounts[m]) {
                return true;
            }
        }
        return false;
    }

    /**
     * The device buffer of member {@code m}: for a write, the private copy; for a read, its slots, contiguous in the
     * slab (the device reads straight into the worker's memory). A one-page read uses the channel's ready-made slice;
     * only a multi-page one makes a new one.
     */
    MemorySegment memberBuffer(int m, int pageSizeBytes) {
        if (staging[m] != null) {
            MemorySegment copy = staging[m].segment;
            long bytes = (long) pageCounts[m] * pageSizeBytes;
            return copy.byteSize() == bytes ? copy : copy.asSlice(0, bytes);
        }
        if (pageCounts[m] == 1) {
            return session.channel.buffer(slots[m]);
        }
        return session.channel.slab().asSlice((long) slots[m] * pageSizeBytes, (long) pageCounts[m] * pageSizeBytes);
    }
}
