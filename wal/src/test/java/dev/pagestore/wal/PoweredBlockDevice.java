package dev.pagestore.wal;

import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.nvme.NanoClock;
import dev.pagestore.nvme.QueuePair;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The media's {@link BlockDevice} seen through one directory incarnation's {@link PowerGate}: same geometry, queue
 * pairs that are queue pairs over a {@link PoweredBackend}, none at all once the power is cut. Closing it leaves the media open: the
 * media outlives every handle and every incarnation ({@link QueuePairLogDirectory#closeDevices}).
 */
final class PoweredBlockDevice implements BlockDevice {
    private static final AtomicInteger IDS = new AtomicInteger(1);
    private final ModelledLogFile file;
    private final BlockDevice media;
    private final PowerGate gate;

    PoweredBlockDevice(ModelledLogFile file, PowerGate gate) {
        this.file = file;
        this.media = file.device();
        this.gate = gate;
    }

    @Override
    public String name() {
        return media.name();
    }

    @Override
    public long capacityBytes() {
        return media.capacityBytes();
    }

    @Override
    public int logicalBlockSizeBytes() {
        return media.logicalBlockSizeBytes();
    }

    @Override
    public int memoryAlignmentBytes() {
        return media.memoryAlignmentBytes();
    }

    @Override
    public int offsetAlignmentBytes() {
        return media.offsetAlignmentBytes();
    }

    @Override
    public int maxTransferBytes() {
        return media.maxTransferBytes();
    }

    @Override
    public boolean supportsWriteZeroes() {
        return media.supportsWriteZeroes();
    }

    @Override
    public QueuePair openQueuePair(int queueDepth) throws IOException {
        if (gate.isOff()) {
            throw new IOException("power lost: open a queue pair of " + media.name());
        }
        file.queuePairOpened();
        int id = IDS.getAndIncrement();
        return new QueuePair(this, id, queueDepth, NanoClock.SYSTEM,
                new PoweredBackend("QueuePair " + id + " of " + name(), media, gate, file, queueDepth));
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "PoweredBlockDevice[" + media.name() + "]";
    }
}
