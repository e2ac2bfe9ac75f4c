package dev.pagestore.nvme.uring;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The completion queue of one {@link IoUring}: CQEs are read in place, their slots given back to the kernel (a release
 * store of the head), and handed to a {@link CqeHandler}. Owner thread only, like its ring.
 */
final class CompletionQueue {
    private long unknownOperations;
    private static final VarHandle U32 = JAVA_INT.varHandle();

    private final MemorySegment cqRing;
    private final long headOffset;
    private final long tailOffset;
    private final int mask;
    private final long cqesOffset;
    private int headLocal;

    CompletionQueue(MemorySegment params, MemorySegment cqRing, int entries) {
        this.cqRing = cqRing;
        int cq = IoUringParamsDescriptor.CQ_OFF_OFFSET;
        this.headOffset = IoUringParamsDescriptor.u32(params, cq + IoUringParamsDescriptor.CQ_OFF_HEAD);
        this.tailOffset = IoUringParamsDescriptor.u32(params, cq + IoUringParamsDescriptor.CQ_OFF_TAIL);
        this.mask = cqRing.get(JAVA_INT, IoUringParamsDescriptor.u32(params, cq + IoUringParamsDescriptor.CQ_OFF_RING_MASK));
        this.cqesOffset = IoUringParamsDescriptor.u32(params, cq + IoUringParamsDescriptor.CQ_OFF_CQES);
        assert mask == entries - 1 : "cq ring_mask " + mask + " for " + entries + " entries";
        this.headLocal = (int) U32.getAcquire(cqRing, headOffset);
    }

    /** Completions the kernel has posted and {@link #drain} has not handed out yet. */
    int ready() {
        // Acquire: pairs with the kernel's release of the CQ tail after writing the CQEs.
        return (int) U32.getAcquire(cqRing, tailOffset) - headLocal;
    }

    /**
     * Hands the next {@code count} completions (at most {@link #ready()}) to {@code handler} in order, straight from
     * the CQ. Each CQE's slot goes back to the kernel, and {@code released} is told, before its handler runs, so a
     * handler that prepares again finds the room its completion freed. A handler that throws does not stop the rest;
     * the first exception is thrown afterwards with later ones suppressed.
     */
    /** Completions whose user_data named no operation (skipped; should stay 0). */
    long unknownOperations() {
        return unknownOperations;
    }

    void drain(int count, CqeHandler handler, Runnable released) {
        RuntimeException failure = null;
        for (int i = 0; i < count; i++) {
            long cqeOffset = cqesOffset + (long) CqeDescriptor.SIZE * (headLocal & mask);
            long userData = CqeDescriptor.userData(cqRing, cqeOffset);
            int result = CqeDescriptor.res(cqRing, cqeOffset);
            headLocal++;
            // Release: our loads of this CQE complete before the kernel may overwrite its slot.
            U32.setRelease(cqRing, headOffset, headLocal);
            released.run();
            UringOp op = UringOp.ofCode((int) (userData >>> SubmissionQueue.CALLER_ID_BITS));
            if (op == null) {
                // Only a corrupted SQE could name no operation: counted and skipped, never a stopped owner loop.
                unknownOperations++;
                continue;
            }
            try {
                handler.onCompletion(userData & SubmissionQueue.CALLER_ID_MAX, op, result);
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
