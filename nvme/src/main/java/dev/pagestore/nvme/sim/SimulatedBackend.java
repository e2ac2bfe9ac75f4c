package dev.pagestore.nvme.sim;

import dev.pagestore.nvme.IoOpcode;
import dev.pagestore.nvme.QueueBackend;
import dev.pagestore.nvme.StatusDetail;

import java.lang.foreign.MemorySegment;

/**
 * The host driver's side of a simulated NVMe I/O queue pair: writes SQEs at its SQ tail, rings the SQ tail doorbell
 * once per batch, lets the controller run one tick per poll, consumes CQEs while their phase tag matches, and rings
 * the CQ head doorbell.
 *
 * <p>Buffers reach the controller through a DMA window, as through an IOMMU: a command's buffer is mapped at its
 * command slot when issued, PRP1 carries the window address, and the mapping is removed only when the slot is
 * released, so a timed-out command's buffer stays mapped (fenced) until its real completion.
 */
final class SimulatedBackend implements QueueBackend {
    private final ControllerQueue queue;
    private final int blockSize;
    private final int queueId;
    private int sqTail;
    private int cqHead;
    private int expectedPhase = 1;

    SimulatedBackend(SimulatedNvmeDevice device, int queueId, ControllerQueue queue) {
        this.queue = queue;
        this.queueId = queueId;
        this.blockSize = device.logicalBlockSizeBytes();
    }

    @Override
    public void issue(int slot, int cid, IoOpcode opcode, MemorySegment buffer, long deviceOffset, int lengthBytes) {
        long prp1 = 0;
        if (buffer != null) {
            queue.dmaWindow[slot] = buffer;
            prp1 = ControllerQueue.iova(slot);
        }
        NvmeSqeDescriptor.write(queue.sq, sqTail * (long) NvmeSqeDescriptor.SIZE, NvmeOpcodes.of(opcode), cid, 1,
                prp1, deviceOffset / blockSize, lengthBytes / blockSize);
        sqTail = (sqTail + 1) % queue.sqEntries;
    }

    @Override
    public void ringDoorbell(int issuedCount) {
        queue.ringSqDoorbell(sqTail);
    }

    @Override
    public int drain(int max, Reaped into) {
        queue.tick();
        int drained = 0;
        // Bounded by max and by the CQ size (a full pass flips the expected phase).
        while (drained < max && drained < queue.cqEntries) {
            long base = cqHead * (long) NvmeCqeDescriptor.SIZE;
            int dword3 = NvmeCqeDescriptor.dword3Acquire(queue.cq, base);
            if (NvmeCqeDescriptor.phase(dword3) != expectedPhase) {
                break;  // not yet written by the controller on this pass
            }
            assert NvmeCqeDescriptor.check(queue.cq, base, queueId, queue.sqEntries)
                    : "CQE from another queue or with an impossible SQ head";
            int status = NvmeCqeDescriptor.statusField(dword3);
            if (!into.reaped(NvmeCqeDescriptor.cid(dword3), NvmeStatus.toIoStatus(status),
                    NvmeCqeDescriptor.dw0(queue.cq, base), status == 0 ? StatusDetail.NONE : StatusDetail.nvme(status))) {
                break;
            }
            drained++;
            cqHead++;
            if (cqHead == queue.cqEntries) {
                cqHead = 0;
                expectedPhase ^= 1;
            }
        }
        if (drained > 0) {
            queue.ringCqDoorbell(cqHead);
        }
        return drained;
    }

    @Override
    public void cancel(int slot, int cid) {
        queue.requestAbort(cid);
    }

    @Override
    public void released(int slot) {
        queue.dmaWindow[slot] = null;
    }

    @Override
    public void close() {
        queue.delete();
    }
}
