package dev.pagestore.nvme.sim;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The controller's side of one I/O queue pair: it fetches SQEs when the host writes the SQ tail doorbell, keeps the
 * fetched commands while the latency model and the fault plan say, executes them against the media, and posts CQEs
 * with the phase tag and its SQ head.
 *
 * <p>It runs only when the host drives it ({@link #ringSqDoorbell} from submit, {@link #tick} from poll), on the
 * host's thread, so a run is a function of the seed and the call sequence. It trusts nothing the host wrote: a
 * doorbell value outside the queue, an SQE that fails {@link NvmeSqeDescriptor#check} or a PRP outside the DMA window
 * completes as an error instead of corrupting the simulator. It is not thread-safe, just as the real queue is not:
 * two host threads driving it tear it (the demonstration test shows what that looks like).
 */
final class ControllerQueue {
    private static final int NSID = 1;

    /** One fetched command. */
    private static final class Pending {
        int cid;
        int opcode;
        long slba;
        int blocks;
        long prp1;
        long dueTick;
        int statusField;
        FaultInjector.Fault fault;
        int heldEpoch = -1;
    }

    private final SimulatedNvmeDevice device;
    private final int queueId;
    final MemorySegment sq;
    final MemorySegment cq;
    final int sqEntries;
    final int cqEntries;
    /** The host's DMA window: index (iova >>> 32) - 1 holds the buffer mapped for that slot. */
    final MemorySegment[] dmaWindow;
    private final SplittableRandom random;
    private final List<Pending> pending = new ArrayList<>();

    private int sqHead;
    private int cqTail;
    private int cqPhase = 1;
    private int cqHeadDoorbell;
    private long tick;
    private int seenPowerEpoch;
    private boolean deleted;

    ControllerQueue(SimulatedNvmeDevice device, int queueId, MemorySegment sq, int sqEntries, MemorySegment cq,
            int cqEntries, int windowSlots, long seed) {
        this.device = device;
        this.queueId = queueId;
        this.sq = sq;
        this.sqEntries = sqEntries;
        this.cq = cq;
        this.cqEntries = cqEntries;
        this.dmaWindow = new MemorySegment[windowSlots];
        this.random = new SplittableRandom(seed);
        this.seenPowerEpoch = device.powerEpoch();
    }

    /** The I/O virtual address the host puts in PRP1 for a buffer mapped at {@code windowIndex}. */
    static long iova(int windowIndex) {
        return (long) (windowIndex + 1) << 32;
    }

    /** SQ tail doorbell: fetch every entry up to {@code tail}. */
    void ringSqDoorbell(int tail) {
        if (deleted) {
            return;
        }
        if (tail < 0 || tail >= sqEntries) {
            device.countInvalidDoorbell();  // NVMe: "invalid doorbell write value" asynchronous event
            return;
        }
        observePowerLoss();  // commands fetched from here on were submitted after the power came back
        // Bounded: at most one pass over the queue.
        for (int fetched = 0; sqHead != tail && fetched < sqEntries; fetched++) {
            fetch(sqHead * (long) NvmeSqeDescriptor.SIZE);
            sqHead = (sqHead + 1) % sqEntries;
        }
    }

    private void fetch(long base) {
        Pending p = new Pending();
        p.cid = NvmeSqeDescriptor.cid(sq, base);
        p.opcode = NvmeSqeDescriptor.opcode(sq, base);
        p.slba = NvmeSqeDescriptor.slba(sq, base);
        p.blocks = NvmeSqeDescriptor.blockCount(sq, base);
        p.prp1 = NvmeSqeDescriptor.prp1(sq, base);
        p.statusField = NvmeSqeDescriptor.check(sq, base, NSID, device.capacityBytes() / device.logicalBlockSizeBytes());
        p.dueTick = tick + 1 + device.latency().sampleTicks(random);
        if (p.statusField == 0) {
            p.fault = device.faults().take(p.opcode);
            if (p.fault != null) {
                switch (p.fault.kind()) {
                    case FAIL -> p.statusField = p.fault.statusField();
                    case HOLD -> p.heldEpoch = p.fault.heldEpoch();
                    case DELAY -> p.dueTick += p.fault.ticks();
                    default -> { }
                }
            }
        }
        pending.add(p);
        if (p.statusField == 0 && (p.opcode == NvmeOpcodes.READ || p.opcode == NvmeOpcodes.WRITE)) {
            device.inFlight().begin(p, p.opcode == NvmeOpcodes.WRITE, p.slba, p.blocks);
        }
    }

    /** Aborts every command fetched before a power failure this queue has not yet seen; none of them runs. */
    private void observePowerLoss() {
        int powerEpoch = device.powerEpoch();
        if (powerEpoch != seenPowerEpoch) {
            seenPowerEpoch = powerEpoch;
            for (Pending p : pending) {
                p.statusField = NvmeStatus.ABORTED_POWER_LOSS;
                p.fault = null;
                p.heldEpoch = -1;
                p.dueTick = tick;
            }
        }
    }

    /** CQ head doorbell: the host consumed entries up to {@code head}. */
    void ringCqDoorbell(int head) {
        if (head < 0 || head >= cqEntries) {
            device.countInvalidDoorbell();
            return;
        }
        cqHeadDoorbell = head;
    }

    /** One unit of controller time: complete what is due, in fetch order, while the CQ has room. */
    void tick() {
        if (deleted) {
            return;
        }
        tick++;
        observePowerLoss();
        for (FaultInjector.Spurious s : device.faults().takeSpurious(queueId)) {
            if (cqFree() > 0) {
                post(0, s.cid(), s.statusField());
            } else {
                device.faults().spuriousCompletion(queueId, s.cid(), s.statusField());  // no room: next tick
            }
        }
        int releaseEpoch = device.faults().releaseEpoch();
        for (int i = 0; i < pending.size(); ) {
            Pending p = pending.get(i);
            boolean held = p.heldEpoch >= 0 && p.heldEpoch == releaseEpoch;
            if (held || p.dueTick > tick) {
                i++;
                continue;
            }
            boolean duplicate = p.fault != null && p.fault.kind() == FaultInjector.Kind.DUPLICATE_COMPLETION;
            boolean lost = p.fault != null && p.fault.kind() == FaultInjector.Kind.LOSE_COMPLETION;
            if (!lost && cqFree() < (duplicate ? 2 : 1)) {
                break;  // the host has not consumed enough completions; try again next tick
            }
            int transferred = execute(p);
            pending.remove(i);
            device.inFlight().end(p);
            if (!lost) {
                post(transferred, p.cid, p.statusField);
                if (duplicate) {
                    post(transferred, p.cid, p.statusField);
                }
            }
        }
    }

    /** Runs a command against the media; returns the bytes transferred (CQE dword 0) and sets its status. */
    private int execute(Pending p) {
        if (p.statusField != 0) {
            return 0;
        }
        int blockSize = device.logicalBlockSizeBytes();
        long offset = p.slba * blockSize;
        int bytes = p.blocks * blockSize;
        FaultInjector.Kind kind = p.fault == null ? null : p.fault.kind();
        int transfer = kind == FaultInjector.Kind.SHORT_TRANSFER ? Math.min(bytes, p.fault.bytes()) : bytes;
        switch (p.opcode) {
            case NvmeOpcodes.READ, NvmeOpcodes.WRITE -> {
                MemorySegment buffer = translate(p.prp1, bytes);
                if (buffer == null) {
                    p.statusField = NvmeStatus.DATA_TRANSFER_ERROR;  // an IOMMU fault on a bad PRP
                    return 0;
                }
                if (p.opcode == NvmeOpcodes.READ) {
                    device.media().read(offset, buffer, transfer);
                } else {
                    int persist = transfer / blockSize * blockSize;  // media is written in whole blocks
                    if (kind == FaultInjector.Kind.TORN_WRITE) {
                        persist = Math.min(bytes, p.fault.bytes() / blockSize * blockSize);
                    }
                    device.media().write(offset, buffer, persist);
                }
                return transfer;
            }
            case NvmeOpcodes.FLUSH -> device.media().flush();
            case NvmeOpcodes.WRITE_ZEROES -> device.media().zero(offset, bytes);
            default -> p.statusField = NvmeStatus.INVALID_OPCODE;
        }
        return 0;
    }

    private MemorySegment translate(long iova, int bytes) {
        long index = (iova >>> 32) - 1;
        if ((iova & 0xffffffffL) != 0 || index < 0 || index >= dmaWindow.length) {
            return null;
        }
        MemorySegment buffer = dmaWindow[(int) index];
        return buffer == null || buffer.byteSize() < bytes ? null : buffer;
    }

    private int cqFree() {
        int used = (cqTail - cqHeadDoorbell + cqEntries) % cqEntries;
        return cqEntries - 1 - used;
    }

    private void post(int dw0, int cid, int statusField) {
        NvmeCqeDescriptor.post(cq, cqTail * (long) NvmeCqeDescriptor.SIZE, dw0, sqHead, queueId, cid, cqPhase,
                statusField);
        cqTail++;
        if (cqTail == cqEntries) {
            cqTail = 0;
            cqPhase ^= 1;  // the host recognises new entries by the flipped phase on the next pass
        }
    }

    /** The host asked to abort {@code cid} (NVMe Abort). Honoured only for commands that are not held. */
    void requestAbort(int cid) {
        device.countAbortRequest();
        if (!device.honoursAborts()) {
            return;
        }
        for (Pending p : pending) {
            if (p.cid == cid && p.heldEpoch < 0) {
                p.statusField = NvmeStatus.ABORT_REQUESTED;
                p.fault = null;
                p.dueTick = tick;
            }
        }
    }

    /** Delete I/O SQ and CQ: fetched commands are dropped and nothing touches host memory afterwards. */
    void delete() {
        deleted = true;
        for (Pending p : pending) {
            device.inFlight().end(p);
        }
        pending.clear();
        java.util.Arrays.fill(dmaWindow, null);
    }

    int pendingCount() {
        return pending.size();
    }
}
