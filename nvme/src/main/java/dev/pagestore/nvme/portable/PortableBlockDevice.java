package dev.pagestore.nvme.portable;

import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.nvme.DeviceFile;
import dev.pagestore.nvme.NanoClock;
import dev.pagestore.nvme.QueuePair;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A file or block device driven through {@link FileChannel}: the backend for machines without io_uring, and the
 * reference the other backends are compared with.
 *
 * <p>Execution model: there is no device-side queue. {@link QueuePair#submit()} executes every prepared command
 * synchronously, in order, with positional {@code FileChannel} reads and writes ({@code force(false)}, i.e.
 * {@code fdatasync}, for flush), and queues its completion; {@link QueuePair#poll} hands the queued completions
 * out. So a submit blocks for the I/O, commands never overlap, and a timeout can only be seen for a command
 * whose completion was queued after its deadline passed. The contract is otherwise the same as every backend's.
 *
 * <p>Direct I/O: the channel is opened with {@code ExtendedOpenOption.DIRECT} where the file system supports
 * {@code O_DIRECT}. The JDK then checks alignment against the file store's block size, so the alignment this
 * device reports is the larger of {@code statx DIOALIGN} and that block size.
 *
 * <p>Thread safety: positional channel I/O is safe from several queue pairs on different threads.
 */
public final class PortableBlockDevice implements BlockDevice {
    static final int MAX_TRANSFER_BYTES = 1 << 20;
    static final int ZERO_CHUNK_BYTES = 64 * 1024;

    private final DeviceFile file;  // null for an adopted channel (ofChannel)
    private final String name;
    private final FileChannel channel;
    private final NanoClock clock;
    private final int memoryAlignmentBytes;
    private final int offsetAlignmentBytes;
    private final long capacityBytes;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment zeroes;
    private final AtomicInteger nextQueuePairId = new AtomicInteger(1);

    private PortableBlockDevice(DeviceFile file, FileChannel channel, NanoClock clock) throws IOException {
        this.file = file;
        this.name = file.path().toString();
        this.channel = channel;
        this.clock = clock;
        int storeBlock = file.channelDirectIo() ? (int) Math.min(1 << 20, Files.getFileStore(file.path()).getBlockSize()) : 1;
        this.memoryAlignmentBytes = Math.max(file.memoryAlignmentBytes(), storeBlock);
        this.offsetAlignmentBytes = Math.max(file.offsetAlignmentBytes(), storeBlock);
        this.capacityBytes = file.capacityBytes() - file.capacityBytes() % offsetAlignmentBytes;
        this.zeroes = arena.allocate(ZERO_CHUNK_BYTES, Math.max(memoryAlignmentBytes, 8));
    }

    private PortableBlockDevice(String name, FileChannel channel, long capacityBytes) {
        this.file = null;
        this.name = name;
        this.channel = channel;
        this.clock = NanoClock.SYSTEM;
        this.memoryAlignmentBytes = 1;
        this.offsetAlignmentBytes = 1;
        this.capacityBytes = capacityBytes;
        this.zeroes = arena.allocate(ZERO_CHUNK_BYTES, 8);
    }

    /**
     * Adopts {@code channel}, a buffered channel of a regular file that the caller has opened and whose lifetime the
     * caller's own lock covers (a WAL segment in a directory the manager holds): no {@link DeviceFile} claim, no
     * alignment (buffered I/O takes any offset, length and address), writes may grow the file up to
     * {@code capacityBytes}. Closing the device closes the channel.
     */
    public static PortableBlockDevice ofChannel(String name, FileChannel channel, long capacityBytes) {
        if (name == null || channel == null) {
            throw new IllegalArgumentException("name and channel are required");
        }
        if (capacityBytes <= 0) {
            throw new IllegalArgumentException("capacityBytes=" + capacityBytes + " of " + name + " must be positive");
        }
        return new PortableBlockDevice(name, channel, capacityBytes);
    }

    /** Opens {@code path} with the system clock. */
    public static PortableBlockDevice open(Path path, DeviceFile.Options options) throws IOException {
        return open(path, options, NanoClock.SYSTEM);
    }

    /** Opens {@code path}; {@code clock} is used for the deadlines of its queue pairs. */
    public static PortableBlockDevice open(Path path, DeviceFile.Options options, NanoClock clock)
            throws IOException {
        DeviceFile file = DeviceFile.open(path, options);
        boolean success = false;
        FileChannel channel = null;
        try {
            channel = file.openChannel();
            PortableBlockDevice device = new PortableBlockDevice(file, channel, clock);
            success = true;
            return device;
        } finally {
            if (!success) {
                if (channel != null) {
                    channel.close();
                }
                file.close();
            }
        }
    }

    FileChannel channel() {
        return channel;
    }

    MemorySegment zeroes() {
        return zeroes;
    }

    /** The claimed file: its path, lock and what {@code statx} said; null for an adopted channel ({@link #ofChannel}). */
    public DeviceFile file() {
        return file;
    }

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
        return offsetAlignmentBytes;
    }

    @Override
    public int memoryAlignmentBytes() {
        return memoryAlignmentBytes;
    }

    @Override
    public int offsetAlignmentBytes() {
        return offsetAlignmentBytes;
    }

    @Override
    public int maxTransferBytes() {
        return MAX_TRANSFER_BYTES;
    }

    @Override
    public boolean supportsWriteZeroes() {
        return true;
    }

    @Override
    public QueuePair openQueuePair(int queueDepth) {
        if (queueDepth < 1 || queueDepth > 4096) {
            throw new IllegalArgumentException("queueDepth=" + queueDepth + " is outside 1..4096");
        }
        return new QueuePair(this, nextQueuePairId.getAndIncrement(), queueDepth, clock,
                new PortableBackend(this, queueDepth));
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            arena.close();
            if (file != null) {
                file.close();
            }
        }
    }

    @Override
    public String toString() {
        return "PortableBlockDevice " + name + " (" + capacityBytes + " bytes, align mem " + memoryAlignmentBytes
                + " offset " + offsetAlignmentBytes + (file != null && file.channelDirectIo() ? ", O_DIRECT" : ", buffered")
                + (file != null ? "; claimed as " + file : "; adopted channel") + ")";
    }
}
