package dev.pagestore.nvme.sim;

import dev.pagestore.ipc.linux.ExclusiveLock;
import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.nvme.DeviceInUseException;
import dev.pagestore.nvme.NanoClock;
import dev.pagestore.nvme.QueuePair;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A simulated NVMe controller with one namespace: real queue mechanics (64-byte SQEs with command ids, 16-byte CQEs
 * with phase tag and SQ head, doorbells, NVMe status codes with do-not-retry), a seeded latency model and
 * fault injection ({@link FaultInjector}), over memory or a file, optionally with a volatile write cache lost on
 * {@link #powerFail()}, whole or in part ({@link PowerLossWriteBack}); its {@link #media()} can be damaged.
 *
 * <h2>Why</h2>
 * The failures a storage layer must survive (error statuses, hung commands, lost, late, duplicate and spurious
 * completions, short transfers, torn writes, power loss, rotten sectors) are rare and unrepeatable on real hardware.
 * Here each is one call, and a run is deterministic for a seed: the controller runs only when its queue pair polls,
 * and latency is counted in polls ({@link LatencyModel}). Every test that fails prints the seed
 * ({@link #toString()} and {@link #name()} include it); rerun with {@code -Dpagestore.nvme.sim.seed=<seed>}.
 *
 * <h2>For other modules' tests</h2>
 * {@code SimulatedNvmeDevice.builder().capacityBytes(64 << 20).seed(42).volatileWriteCache(true).build()} gives a
 * shared deterministic fault-injecting device for the WAL and page store tests.
 *
 * <p>Thread safety: queue pairs may be opened and used on different threads (each by its owner); the fault plan,
 * {@link #powerFail()} and the media are thread-safe.
 */
public final class SimulatedNvmeDevice implements BlockDevice {
    /** The system property that overrides the default seed. */
    public static final String SEED_PROPERTY = "pagestore.nvme.sim.seed";

    private final String name;
    private final long seed;
    private final long capacityBytes;
    private final int blockSize;
    private final int memoryAlignment;
    private final int maxTransferBytes;
    private final LatencyModel latency;
    private final boolean honourAborts;
    private final NanoClock clock;
    private final SimulatedMedia media;
    private final FaultInjector faults = new FaultInjector();
    private final ExclusiveLock lock;
    private final Arena queueArena = Arena.ofShared();
    private final AtomicInteger nextQueueId = new AtomicInteger(1);
    private final AtomicInteger powerEpoch = new AtomicInteger();
    private final AtomicLong abortRequests = new AtomicLong();
    private final AtomicLong invalidDoorbells = new AtomicLong();
    private final InFlightRanges inFlight = new InFlightRanges();

    private SimulatedNvmeDevice(Builder b, SimulatedMedia media, ExclusiveLock lock) {
        this.seed = b.seed;
        this.name = b.name + "(seed=" + b.seed + ")";
        this.capacityBytes = b.capacityBytes;
        this.blockSize = b.blockSize;
        this.memoryAlignment = b.memoryAlignment;
        this.maxTransferBytes = b.maxTransferBytes;
        this.latency = b.latency;
        this.honourAborts = b.honourAborts;
        this.clock = b.clock;
        this.media = media;
        this.lock = lock;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A memory-backed device of {@code capacityBytes} with 4 KiB blocks and a seed. */
    public static SimulatedNvmeDevice inMemory(long capacityBytes, long seed) throws IOException {
        return builder().capacityBytes(capacityBytes).seed(seed).build();
    }

    /** How to make a device; every setting has a default. */
    public static final class Builder {
        private String name = "sim-nvme";
        private long seed = Long.getLong(SEED_PROPERTY, System.nanoTime());
        private long capacityBytes = 16L << 20;
        private int blockSize = 4096;
        private int memoryAlignment = 4096;
        private int maxTransferBytes = 1 << 20;
        private LatencyModel latency = LatencyModel.uniformTicks(0, 3);
        private boolean volatileWriteCache;
        private int cacheBlocks = 4096;
        private boolean randomWriteBackOnPowerFail;
        private boolean honourAborts;
        private Path backingFile;
        private NanoClock clock = NanoClock.SYSTEM;

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** The seed of the latency model; default {@code -Dpagestore.nvme.sim.seed} or the time. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder capacityBytes(long capacityBytes) {
            this.capacityBytes = capacityBytes;
            return this;
        }

        /** The LBA size: 512 or 4096 (default). */
        public Builder logicalBlockSizeBytes(int blockSize) {
            this.blockSize = blockSize;
            return this;
        }

        /** Buffer alignment required by the device (default 4096, as for {@code O_DIRECT}). */
        public Builder memoryAlignmentBytes(int memoryAlignment) {
            this.memoryAlignment = memoryAlignment;
            return this;
        }

        public Builder maxTransferBytes(int maxTransferBytes) {
            this.maxTransferBytes = maxTransferBytes;
            return this;
        }

        /** Default: 0 to 3 polls, so completions come out of order. */
        public Builder latency(LatencyModel latency) {
            this.latency = latency;
            return this;
        }

        /** Completed writes stay in a volatile cache until a flush; lost on {@link #powerFail()}. */
        public Builder volatileWriteCache(boolean enabled) {
            this.volatileWriteCache = enabled;
            return this;
        }

        /** The cache size in blocks (default 4096); when full, the oldest blocks are written back. */
        public Builder cacheBlocks(int cacheBlocks) {
            this.cacheBlocks = cacheBlocks;
            return this;
        }

        /**
         * Whether a power failure leaves part of the cache on the media: each cached write lost, kept whole or torn at
         * a block boundary, from the seed ({@link PowerLossWriteBack}). Default no: every cached write is lost.
         */
        public Builder randomWriteBackOnPowerFail(boolean enabled) {
            this.randomWriteBackOnPowerFail = enabled;
            return this;
        }

        /** Whether an abort (the queue pair's cancellation of a timed-out command) takes effect; default no. */
        public Builder honourAborts(boolean honourAborts) {
            this.honourAborts = honourAborts;
            return this;
        }

        /** Keep the media in this file (created or extended to the capacity) instead of memory. */
        public Builder backingFile(Path backingFile) {
            this.backingFile = backingFile;
            return this;
        }

        /** The clock of the device's queue pairs' deadlines; default the system clock. */
        public Builder clock(NanoClock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * @throws DeviceInUseException when the backing file is already claimed by another device
         */
        public SimulatedNvmeDevice build() throws IOException {
            if (blockSize != 512 && blockSize != 4096) {
                throw new IllegalArgumentException("logicalBlockSizeBytes=" + blockSize + " is not 512 or 4096");
            }
            if (capacityBytes <= 0 || capacityBytes % blockSize != 0) {
                throw new IllegalArgumentException("capacityBytes=" + capacityBytes
                        + " is not a positive multiple of the block size " + blockSize);
            }
            if (Integer.bitCount(memoryAlignment) != 1 || memoryAlignment > 1 << 20) {
                throw new IllegalArgumentException("memoryAlignmentBytes=" + memoryAlignment
                        + " is not a power of two up to 1 MiB");
            }
            int deviceMax = blockSize * NvmeSqeDescriptor.MAX_BLOCKS_PER_COMMAND;
            if (maxTransferBytes < blockSize || maxTransferBytes % blockSize != 0 || maxTransferBytes > deviceMax) {
                throw new IllegalArgumentException("maxTransferBytes=" + maxTransferBytes + " is not a multiple of "
                        + blockSize + " between " + blockSize + " and " + deviceMax);
            }
            if (cacheBlocks <= 0) {
                throw new IllegalArgumentException("cacheBlocks=" + cacheBlocks + " must be positive");
            }
            if (latency == null || clock == null) {
                throw new IllegalArgumentException("latency and clock are required");
            }
            ExclusiveLock lock = null;
            boolean success = false;
            try {
                if (backingFile != null) {
                    Path lockFile = backingFile.toAbsolutePath().resolveSibling(backingFile.getFileName() + ".lock");
                    try {
                        lock = ExclusiveLock.acquireLockFile(lockFile, "device");
                    } catch (ExclusiveLock.OwnedByAnotherProcessException e) {
                        throw new DeviceInUseException(backingFile.toAbsolutePath(), e.holder(), lockFile, e);
                    }
                }
                PowerLossWriteBack powerLoss = new PowerLossWriteBack(
                        randomWriteBackOnPowerFail ? new SplittableRandom(seed) : null);
                SimulatedMedia media = new SimulatedMedia(blockSize, capacityBytes, backingFile, volatileWriteCache,
                        cacheBlocks, powerLoss);
                SimulatedNvmeDevice device = new SimulatedNvmeDevice(this, media, lock);
                success = true;
                return device;
            } finally {
                if (!success && lock != null) {
                    lock.close();
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ BlockDevice

    @Override
    public String name() {
        return name;
    }

    @Override
    public long capacityBytes() {
        return capacityBytes;
    }

    @Override
    public int logicalBlockSizeBytes() {
        return blockSize;
    }

    @Override
    public int memoryAlignmentBytes() {
        return memoryAlignment;
    }

    @Override
    public int offsetAlignmentBytes() {
        return blockSize;
    }

    @Override
    public int maxTransferBytes() {
        return maxTransferBytes;
    }

    @Override
    public boolean supportsWriteZeroes() {
        return true;
    }

    /** Creates an I/O submission/completion queue pair (NVMe Create I/O SQ/CQ) owned by the calling thread. */
    @Override
    public QueuePair openQueuePair(int queueDepth) {
        if (queueDepth < 1 || queueDepth > 4096) {
            throw new IllegalArgumentException("queueDepth=" + queueDepth + " is outside 1..4096");
        }
        int queueId = nextQueueId.getAndIncrement();
        int sqEntries = queueDepth + 1;  // NVMe: a queue is full when tail + 1 == head
        int cqEntries = 2 * queueDepth + 2;  // room for every command plus duplicates and spurious entries
        MemorySegment sq = queueArena.allocate((long) sqEntries * NvmeSqeDescriptor.SIZE, 4096);
        MemorySegment cq = queueArena.allocate((long) cqEntries * NvmeCqeDescriptor.SIZE, 4096);
        ControllerQueue queue = new ControllerQueue(this, queueId, sq, sqEntries, cq, cqEntries, queueDepth,
                seed * 31 + queueId);
        return new QueuePair(this, queueId, queueDepth, clock, new SimulatedBackend(this, queueId, queue));
    }

    // ------------------------------------------------------------------------------------------------ simulation

    /** The fault plan shared by all queue pairs of this device. */
    public FaultInjector faults() {
        return faults;
    }

    /**
     * Simulates a power failure and instant restart: the volatile write cache is dropped (with the random write-back,
     * after part of it reached the media) and every command fetched but not completed is aborted
     * ({@link NvmeStatus#ABORTED_POWER_LOSS}) at its queue's next poll, without running. Returns the number of cached
     * blocks lost.
     */
    public int powerFail() {
        int lost = media.powerFail();
        powerEpoch.incrementAndGet();
        return lost;
    }

    /** What the media holds at {@code offset} now, ignoring the write cache: what a power failure would leave. */
    public void readDurable(long offset, byte[] destination) {
        media.readDurable(offset, destination);
    }

    /** Blocks written but not yet flushed. */
    public int dirtyBlockCount() {
        return media.dirtyBlocks();
    }

    public long seed() {
        return seed;
    }

    /** Abort requests received (the queue pair cancels timed-out commands). */
    public long abortRequestCount() {
        return abortRequests.get();
    }

    /** Doorbell writes with a value outside the queue (a torn host). */
    public long invalidDoorbellCount() {
        return invalidDoorbells.get();
    }

    @Override
    public void close() {
        try {
            media.close();
            queueArena.close();
        } finally {
            if (lock != null) {
                lock.close();
            }
        }
    }

    @Override
    public String toString() {
        return "SimulatedNvmeDevice " + name + " (" + capacityBytes + " bytes, " + blockSize + "-byte blocks, latency "
                + latency + ")";
    }

    /** The namespace's media and write cache: to damage it, and to count what flushes and power failures did. */
    public SimulatedMedia media() {
        return media;
    }

    // ------------------------------------------------------------------------------------------------ package

    /**
     * Data commands fetched while a command over an overlapping block range, one of the two a write, was still in
     * flight on any queue: on a real device such a read may return a mix of old and new blocks. A correct host keeps
     * this at 0.
     */
    public long overlappingCommands() {
        return inFlight.overlaps();
    }

    InFlightRanges inFlight() {
        return inFlight;
    }

    LatencyModel latency() {
        return latency;
    }

    boolean honoursAborts() {
        return honourAborts;
    }

    int powerEpoch() {
        return powerEpoch.get();
    }

    void countAbortRequest() {
        abortRequests.incrementAndGet();
    }

    void countInvalidDoorbell() {
        invalidDoorbells.incrementAndGet();
    }
}
