package dev.pagestore.nvme.uring;

import dev.pagestore.ipc.linux.ErrnoException;
import dev.pagestore.ipc.linux.Libc;
import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.nvme.DeviceFile;
import dev.pagestore.nvme.NanoClock;
import dev.pagestore.nvme.QueuePair;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A regular file or block device driven through io_uring: the default backend on Linux (DESIGN.md §4).
 *
 * <p>Ownership, geometry and the descriptor come from {@link DeviceFile}: an {@code flock} on a lock file holding
 * this process's pid (a second opener gets {@link dev.pagestore.nvme.DeviceInUseException} naming it), alignment from
 * {@code statx DIOALIGN} (block-size fallback), capacity rounded down to the offset alignment, and one
 * {@code O_RDWR | O_DIRECT | O_CLOEXEC} descriptor shared by every queue pair (each registers it with its own ring).
 * Where the file system has no {@code O_DIRECT} (tmpfs) {@code DeviceFile} falls back to buffered I/O and says so.
 *
 * <p>Each {@link #openQueuePair} creates one {@link IoUring} on the calling thread (see {@link IoUringBackend}).
 * Write-zeroes is {@code IORING_OP_FALLOCATE} with {@code FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE} (ext4, xfs and
 * block devices have it; a file system without it answers the command {@code UNSUPPORTED}).
 *
 * <p>Thread safety: geometry is immutable; {@link #openQueuePair} may be called from any thread; {@link #close()}
 * after every queue pair is closed.
 */
public final class IoUringBlockDevice implements BlockDevice {
    static final int MAX_TRANSFER_BYTES = 1 << 20;

    private final DeviceFile file;  // null for an adopted descriptor (ofDescriptor)
    private final String name;
    private final long capacityBytes;
    private final int memoryAlignmentBytes;
    private final int offsetAlignmentBytes;
    private final int fd;
    private final NanoClock clock;
    private final Settings settings;
    private final AtomicInteger nextQueuePairId = new AtomicInteger(1);
    private volatile boolean closed;

    /**
     * How queue pairs of this device set up their rings.
     *
     * @param singleIssuer     request {@code IORING_SETUP_SINGLE_ISSUER} (dropped with one log line where refused)
     * @param deferTaskrun     request {@code IORING_SETUP_DEFER_TASKRUN} (needs {@code singleIssuer})
     * @param registerFile     register the device descriptor with each ring ({@code IOSQE_FIXED_FILE})
     * @param closeWaitTimeout how long closing a queue pair waits for the kernel to give back buffers of commands
     *                         still in flight after the queue pair's own drain
     */
    public record Settings(boolean singleIssuer, boolean deferTaskrun, boolean registerFile,
                           Duration closeWaitTimeout) {
        public Settings {
            if (deferTaskrun && !singleIssuer) {
                throw new IllegalArgumentException("deferTaskrun=true needs singleIssuer=true (kernel rule)");
            }
            if (closeWaitTimeout == null || closeWaitTimeout.isNegative()) {
                throw new IllegalArgumentException("closeWaitTimeout=" + closeWaitTimeout + " must be >= 0");
            }
        }

        /** SINGLE_ISSUER + DEFER_TASKRUN, registered file, 5 s close wait. */
        public static Settings defaults() {
            return new Settings(true, true, true, Duration.ofSeconds(5));
        }
    }

    private IoUringBlockDevice(DeviceFile file, String name, long capacityBytes, int memoryAlignmentBytes,
                               int offsetAlignmentBytes, int fd, NanoClock clock, Settings settings) {
        this.file = file;
        this.name = name;
        this.capacityBytes = capacityBytes;
        this.memoryAlignmentBytes = memoryAlignmentBytes;
        this.offsetAlignmentBytes = offsetAlignmentBytes;
        this.fd = fd;
        this.clock = clock;
        this.settings = settings;
    }

    /** Opens {@code path} with the system clock and {@link Settings#defaults()}. */
    public static IoUringBlockDevice open(Path path, DeviceFile.Options options) throws IOException {
        return open(path, options, NanoClock.SYSTEM, Settings.defaults());
    }

    /**
     * Claims {@code path} for this process and opens its descriptor.
     *
     * @throws dev.pagestore.nvme.DeviceInUseException when another owner holds the device (names its pid)
     * @throws IOException                               when the path cannot be opened
     */
    public static IoUringBlockDevice open(Path path, DeviceFile.Options options, NanoClock clock, Settings settings)
            throws IOException {
        if (clock == null || settings == null) {
            throw new IllegalArgumentException("clock and settings are required");
        }
        DeviceFile file = DeviceFile.open(path, options);
        boolean success = false;
        try {
            int fd = file.openDescriptor();
            if (fd < 0) {
                throw new ErrnoException("open", file.path() + (file.directIo() ? " (O_RDWR|O_DIRECT)" : " (O_RDWR)"),
                        -fd);
            }
            IoUringBlockDevice device = new IoUringBlockDevice(file, file.path().toString(), file.capacityBytes(),
                    file.memoryAlignmentBytes(), file.offsetAlignmentBytes(), fd, clock, settings);
            success = true;
            return device;
        } finally {
            if (!success) {
                file.close();
            }
        }
    }

    /**
     * A device over a descriptor the caller opened and hands over (this device closes it), with the geometry the
     * caller gives, and no ownership claim: for a file that is one of many in a directory the caller already owns
     * (a WAL segment), where a lock file beside each would be wrong. {@code capacityBytes} bounds the offsets of
     * commands; a regular file grows as writes reach past its end.
     */
    public static IoUringBlockDevice ofDescriptor(String name, int fd, long capacityBytes, int memoryAlignmentBytes,
                                                  int offsetAlignmentBytes, Settings settings) {
        if (name == null || settings == null) {
            throw new IllegalArgumentException("name and settings are required");
        }
        if (fd < 0) {
            throw new IllegalArgumentException("fd=" + fd + " of " + name + " is negative");
        }
        if (Integer.bitCount(memoryAlignmentBytes) != 1 || Integer.bitCount(offsetAlignmentBytes) != 1) {
            throw new IllegalArgumentException("memoryAlignmentBytes=" + memoryAlignmentBytes
                    + " and offsetAlignmentBytes=" + offsetAlignmentBytes + " of " + name + " must be powers of two");
        }
        if (capacityBytes <= 0 || capacityBytes % offsetAlignmentBytes != 0) {
            throw new IllegalArgumentException("capacityBytes=" + capacityBytes + " of " + name
                    + " must be a positive multiple of " + offsetAlignmentBytes);
        }
        return new IoUringBlockDevice(null, name, capacityBytes, memoryAlignmentBytes, offsetAlignmentBytes, fd,
                NanoClock.SYSTEM, settings);
    }

    /** The claimed file: its path, lock and what {@code statx} said; null for {@link #ofDescriptor}. */
    public DeviceFile file() {
        return file;
    }

    /** The descriptor every queue pair registers (valid until {@link #close()}). */
    int fd() {
        return fd;
    }

    Settings settings() {
        return settings;
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

    /** {@inheritDoc} The ring is created here, on the calling thread, with room for {@code queueDepth} commands. */
    @Override
    public QueuePair openQueuePair(int queueDepth) throws IOException {
        if (closed) {
            throw new IllegalStateException(name() + " is closed");
        }
        if (queueDepth < 1 || queueDepth > 4096) {
            throw new IllegalArgumentException("queueDepth=" + queueDepth + " is outside 1..4096");
        }
        int id = nextQueuePairId.getAndIncrement();
        return new QueuePair(this, id, queueDepth, clock,
                new IoUringBackend(this, "QueuePair " + id + " of " + name(), queueDepth));
    }

    /** {@inheritDoc} Closes the descriptor, then releases the ownership lock. Idempotent. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Libc.check(LibcFiles.close(fd), "close", name);
        } finally {
            if (file != null) {
                file.close();
            }
        }
    }

    @Override
    public String toString() {
        return "IoUringBlockDevice " + (file != null ? file : name + " (adopted descriptor)");
    }
}
