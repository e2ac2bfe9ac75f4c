package dev.pagestore.nvme.sim;

import dev.pagestore.nvme.NanoClock;
import dev.pagestore.nvme.QueuePair;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Test fixture: one simulated controller queue (SQ, CQ, doorbells, DMA window) that several host drivers attach to,
 * each a {@link SimulatedBackend} in a {@link dev.pagestore.nvme.QueuePair} with its own command table, SQ tail and CQ head, owned by the thread that
 * attached it. This is what two threads or processes that each believe they own one queue amount to, and it is how a
 * test shows what the owner check prevents now that a {@link QueuePair} cannot be driven by a second thread at all.
 * The device itself never does this: {@link SimulatedNvmeDevice#openQueuePair} gives every queue exactly one driver.
 * The queue is sized as {@code openQueuePair} sizes it.
 */
final class SharedControllerQueue {
    private final SimulatedNvmeDevice device;
    private final int queueId;
    private final int queueDepth;
    private final ControllerQueue queue;

    /** A fresh queue of {@code queueDepth} commands; its SQ and CQ live in {@code arena}. */
    SharedControllerQueue(SimulatedNvmeDevice device, Arena arena, int queueId, int queueDepth) {
        this.device = device;
        this.queueId = queueId;
        this.queueDepth = queueDepth;
        int sqEntries = queueDepth + 1;
        int cqEntries = 2 * queueDepth + 2;
        MemorySegment sq = arena.allocate((long) sqEntries * NvmeSqeDescriptor.SIZE, 4096);
        MemorySegment cq = arena.allocate((long) cqEntries * NvmeCqeDescriptor.SIZE, 4096);
        this.queue = new ControllerQueue(device, queueId, sq, sqEntries, cq, cqEntries, queueDepth,
                device.seed() * 31 + queueId);
    }

    /** A new host driver on this queue, owned by the calling thread. */
    QueuePair attachDriver() {
        return new QueuePair(device, queueId, queueDepth, NanoClock.SYSTEM, new SimulatedBackend(device, queueId, queue));
    }
}
