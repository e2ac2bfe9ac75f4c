package dev.pagestore.wal;

import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.nvme.sim.SimulatedNvmeDevice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link QueuePairLogDirectory} whose every file is an in-memory {@link SimulatedNvmeDevice} with a volatile write
 * cache: the machine the WAL's power-loss tests run on, with the nvme module's controller model instead of a WAL-only
 * fake.
 *
 * <h2>Power model</h2>
 * {@link #powerFail()} cuts power to every device at once, between two device steps: each controller drops its
 * volatile write cache (completed but unflushed writes are lost, except blocks the cache had already written back
 * when it overflowed, oldest first) and aborts, unrun, every command fetched and not completed (a write split into
 * several commands is torn at command granularity); every file returns to its durable size; creates, renames and
 * deletes not followed by a directory sync are lost. This directory and all its handles then fail every call.
 * {@link #reopen()} is the restart: a new directory over the same devices (the durable media survives, the queue
 * pairs are gone) for recovery. With {@link Settings#randomWriteBack} the controllers have written back part of their
 * caches when the power goes: each unflushed write is lost, on the media whole, or torn at a block boundary (a
 * 512-byte sector by default), from the seed: the cut of a disk without power-loss protection.
 *
 * <h2>Other faults</h2>
 * A file's damage and media errors are on its {@link SimulatedFile} ({@link #file}); a full file system, which
 * refuses new space with {@code ENOSPC}, is {@link #fileSystemFull}.
 *
 * <p>Deterministic per seed as far as the devices go (each file's controller gets a seed derived from the directory's
 * and the file's creation order); the WAL's threads are not.
 *
 * <p>Thread safety: as {@link QueuePairLogDirectory}; {@link #powerFail()} may be called from any thread at any time.
 */
public final class SimulatedLogDirectory extends ForwardingLogDirectory implements AutoCloseable {
    /**
     * How the simulated files are made.
     *
     * @param seed             the directory's seed; file {@code i}'s controller is seeded from it and {@code i}
     * @param capacityBytes    every file's capacity (at least the WAL's segment size)
     * @param blockSizeBytes   the LBA size, 512 or 4096
     * @param maxTransferBytes the largest command; smaller than the WAL's writes means a batch is several commands
     * @param cacheBlocks      the volatile write cache; smaller than a batch means write-backs before the flush
     * @param randomWriteBack  whether a power cut leaves part of each cache on the media (each cached write lost, kept
     *                         or torn at a block, from the seed) instead of none of it
     * @param device           the queue pair settings of every handle
     */
    public record Settings(long seed, long capacityBytes, int blockSizeBytes, int maxTransferBytes, int cacheBlocks,
                           boolean randomWriteBack, QueuePairLogDevice.Settings device) {
        /** Files of {@code capacityBytes}, 512-byte blocks, 4 KiB commands, a 4096-block cache lost whole at a cut. */
        public static Settings of(long seed, long capacityBytes) {
            return new Settings(seed, capacityBytes, 512, 4096, 4096, false, QueuePairLogDevice.Settings.defaults());
        }

        public Settings withCacheBlocks(int value) {
            return new Settings(seed, capacityBytes, blockSizeBytes, maxTransferBytes, value, randomWriteBack, device);
        }

        public Settings withMaxTransferBytes(int value) {
            return new Settings(seed, capacityBytes, blockSizeBytes, value, cacheBlocks, randomWriteBack, device);
        }

        public Settings withBlockSizeBytes(int value) {
            return new Settings(seed, capacityBytes, value, maxTransferBytes, cacheBlocks, randomWriteBack, device);
        }

        public Settings withRandomWriteBack(boolean value) {
            return new Settings(seed, capacityBytes, blockSizeBytes, maxTransferBytes, cacheBlocks, value, device);
        }

        public Settings withDevice(QueuePairLogDevice.Settings value) {
            return new Settings(seed, capacityBytes, blockSizeBytes, maxTransferBytes, cacheBlocks, randomWriteBack,
                    value);
        }
    }

    private final Settings settings;
    private final int life;
    private final QueuePairLogDirectory directory;
    private final AtomicLong blocksLost = new AtomicLong();

    /** An empty simulated directory. */
    public SimulatedLogDirectory(Settings settings) {
        this(settings, 0, emptyDirectory(settings));
    }

    private static QueuePairLogDirectory emptyDirectory(Settings settings) {
        AtomicLong created = new AtomicLong();
        return new QueuePairLogDirectory(describe(settings, 0), name -> makeDevice(settings, name,
                created.getAndIncrement()), settings.device());
    }

    private SimulatedLogDirectory(Settings settings, int life, QueuePairLogDirectory directory) {
        super(directory);
        this.settings = settings;
        this.life = life;
        this.directory = directory;
    }

    private static String describe(Settings settings, int life) {
        return "SimulatedLogDirectory(seed=" + settings.seed() + ", life " + life + ")";
    }

    private static BlockDevice makeDevice(Settings settings, String name, long index) throws IOException {
        return SimulatedNvmeDevice.builder()
                .name("wal-file-" + index + "-" + name)
                .seed(settings.seed() * 1_000_003L + index)
                .capacityBytes(settings.capacityBytes())
                .logicalBlockSizeBytes(settings.blockSizeBytes())
                .memoryAlignmentBytes(settings.blockSizeBytes())
                .maxTransferBytes(settings.maxTransferBytes())
                .volatileWriteCache(true)
                .cacheBlocks(settings.cacheBlocks())
                .randomWriteBackOnPowerFail(settings.randomWriteBack())
                .build();
    }

    /**
     * Cuts power to every file and to this directory at once (see the class comment). Idempotent.
     *
     * @return the cached blocks the controllers dropped (0 when the power was already cut)
     */
    public int powerFail() {
        int[] lost = {0};
        directory.cutPower(device -> lost[0] += ((SimulatedNvmeDevice) device).powerFail());
        blocksLost.addAndGet(lost[0]);
        return lost[0];
    }

    /**
     * Arms a power failure that happens by itself after {@code steps} more device steps (a submit or a poll of any
     * handle of this directory), on the thread taking that step: a cut that lands between a write's submission and
     * its completion, which a cut from outside rarely hits.
     */
    public void powerFailAfterSteps(long steps) {
        directory.cutPowerAfterSteps(steps, device -> blocksLost.addAndGet(((SimulatedNvmeDevice) device).powerFail()));
    }

    /** Cached blocks the controllers dropped in this life's power failure (0 while it has power). */
    public long blocksLost() {
        return blocksLost.get();
    }

    /** After {@link #powerFail()}: the restarted machine, a new directory over the surviving media. */
    public SimulatedLogDirectory reopen() {
        return new SimulatedLogDirectory(settings, life + 1, directory.afterPowerCut(describe(settings, life + 1)));
    }

    /**
     * A device on this machine's power beside the log's files: a store's data file, a simulated controller with the
     * settings' volatile cache over {@code backingFile} (its non-volatile media), made on the first call for
     * {@code name} and the same media in every later life. A power cut drops its cache with the log's; the handle
     * returned refuses every step after the cut of this life ({@link #reopen} and call again).
     */
    public BlockDevice attachedDevice(String name, Path backingFile, long capacityBytes) throws IOException {
        return directory.attachedDevice(name, fileName -> SimulatedNvmeDevice.builder()
                .name("attached-" + name)
                .seed(settings.seed() * 1_000_033L + 7)
                .capacityBytes(capacityBytes)
                .logicalBlockSizeBytes(settings.blockSizeBytes())
                .memoryAlignmentBytes(settings.blockSizeBytes())
                .maxTransferBytes(Math.max(settings.maxTransferBytes(), 4096))
                .volatileWriteCache(true)
                .cacheBlocks(settings.cacheBlocks())
                .randomWriteBackOnPowerFail(settings.randomWriteBack())
                .backingFile(backingFile)
                .build());
    }

    /** The file named {@code name} now, to damage it or inject its faults. */
    public SimulatedFile file(String name) {
        ModelledLogFile file = directory.file(name);
        if (file == null) {
            throw new IllegalArgumentException("no file " + name + " in " + describe());
        }
        return new SimulatedFile(name, file);
    }

    /**
     * Whether the file system is full: while it is, new space for a file ({@link LogDevice#preallocate} past its size,
     * as {@code fallocate(2)}) is refused with {@code ENOSPC}; the space files have stays theirs.
     */
    public void fileSystemFull(boolean full) {
        directory.fileSystemFull(full);
    }

    /** The simulated controller behind {@code name} now (for fault injection), or null. */
    public SimulatedNvmeDevice simulatedDevice(String name) {
        return (SimulatedNvmeDevice) directory.blockDevice(name);
    }

    /** Queue pairs opened so far on the file now named {@code name}: what a reader costs in queue set-ups. */
    public long queuePairsOpened(String name) {
        return directory.queuePairsOpened(name);
    }

    /** Every simulated controller made so far, in creation order. */
    public List<SimulatedNvmeDevice> simulatedDevices() {
        return directory.allDevices().stream().map(d -> (SimulatedNvmeDevice) d).toList();
    }

    public boolean isPowerCut() {
        return directory.isPowerCut();
    }

    /** Frees every device (of every life of this machine). Handles must be closed or abandoned first. */
    @Override
    public void close() throws IOException {
        directory.closeDevices();
    }

    @Override
    public String toString() {
        return describe();
    }
}
