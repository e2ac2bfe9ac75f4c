package dev.pagestore.nvme;

import dev.pagestore.ipc.linux.DirectIoAlignment;
import dev.pagestore.ipc.linux.ExclusiveLock;
import dev.pagestore.ipc.linux.LibcFiles;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;

/**
 * A regular file or block device claimed for direct I/O by this process: its exclusive lock, its geometry and the
 * means to open descriptors on it. The file-backed backends (portable, io_uring) are built on it.
 *
 * <h2>Ownership</h2>
 * One process owns a device (DESIGN.md §2). The claim is an {@code flock} on a lock file holding the owner's pid
 * ({@link ExclusiveLock}): {@code <file>.lock} beside a regular file; for a block device, whose directory is not
 * ours to write, {@code <java.io.tmpdir>/pagestore-device-<path>.lock} (or {@link Options#lockFile()}). A second
 * opener, in this process or another, gets {@link DeviceInUseException} naming the owner's pid.
 *
 * <h2>Geometry</h2>
 * Alignment comes from {@code statx(STATX_DIOALIGN)} through {@link DirectIoAlignment}, falling back to the file
 * system's block size; the logical block size is the offset alignment. Capacity is the file's size (for a block
 * device the JDK asks {@code BLKGETSIZE64}), rounded down to the offset alignment. When the file system does not
 * support {@code O_DIRECT} at all (alignment 0) and {@link Options#requireDirectIo()} is false, the device is used
 * with buffered I/O and 4096-byte alignment, and {@link #directIo()} says so.
 */
public final class DeviceFile implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DeviceFile.class.getName());
    private static final int BUFFERED_ALIGNMENT = 4096;

    /**
     * How to open a device.
     *
     * @param createSizeBytes when positive and the path is a regular file (or missing), create it and extend it to
     *                        at least this size
     * @param requireDirectIo fail instead of falling back to buffered I/O when {@code O_DIRECT} is unsupported
     * @param lockFile        where the ownership lock lives, or null for the default
     */
    public record Options(long createSizeBytes, boolean requireDirectIo, Path lockFile) {
        /** Open an existing file or device, falling back to buffered I/O where direct I/O is impossible. */
        public static Options existing() {
            return new Options(0, false, null);
        }

        /** Create (or extend) a regular file to {@code sizeBytes}. */
        public static Options create(long sizeBytes) {
            if (sizeBytes <= 0) {
                throw new IllegalArgumentException("sizeBytes=" + sizeBytes + " must be positive");
            }
            return new Options(sizeBytes, false, null);
        }
    }

    private final Path path;
    private final boolean blockDevice;
    private final long capacityBytes;
    private final DirectIoAlignment alignment;
    private final boolean directIo;
    private final int memoryAlignmentBytes;
    private final int offsetAlignmentBytes;
    private final ExclusiveLock lock;

    private DeviceFile(Path path, boolean blockDevice, long capacityBytes, DirectIoAlignment alignment,
            boolean directIo, int memoryAlignmentBytes, int offsetAlignmentBytes, ExclusiveLock lock) {
        this.path = path;
        this.blockDevice = blockDevice;
        this.capacityBytes = capacityBytes;
        this.alignment = alignment;
        this.directIo = directIo;
        this.memoryAlignmentBytes = memoryAlignmentBytes;
        this.offsetAlignmentBytes = offsetAlignmentBytes;
        this.lock = lock;
    }

    /**
     * Claims {@code path} for this process.
     *
     * @throws DeviceInUseException when another owner holds it
     * @throws IOException          when the path is missing (and not to be created), a directory, or unreadable
     */
    public static DeviceFile open(Path path, Options options) throws IOException {
        if (path == null || options == null) {
            throw new IllegalArgumentException("path and options are required");
        }
        Path absolute = path.toAbsolutePath();
        if (options.createSizeBytes() > 0) {
            createOrExtend(absolute, options.createSizeBytes());
        }
        if (!Files.exists(absolute)) {
            throw new java.nio.file.NoSuchFileException(absolute.toString(), null, "device does not exist");
        }
        PosixFileAttributes attributes = Files.readAttributes(absolute, PosixFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        if (attributes.isDirectory()) {
            throw new IOException("device " + absolute + " is a directory");
        }
        boolean blockDevice = attributes.isOther();
        Path lockFile = options.lockFile() != null ? options.lockFile() : defaultLockFile(absolute, blockDevice);
        ExclusiveLock lock;
        try {
            lock = ExclusiveLock.acquireLockFile(lockFile, "device");
        } catch (ExclusiveLock.OwnedByAnotherProcessException e) {
            throw new DeviceInUseException(absolute, e.holder(), lockFile, e);
        }
        boolean success = false;
        try {
            DirectIoAlignment alignment = DirectIoAlignment.of(absolute);
            boolean directIo = alignment.directIoSupported();
            if (!directIo) {
                if (options.requireDirectIo()) {
                    throw new IOException("device " + absolute + ": the file system does not support O_DIRECT "
                            + "(statx reports alignment 0); put the file on ext4/xfs or a block device");
                }
                LOG.log(System.Logger.Level.WARNING, "device {0}: O_DIRECT unsupported here, using buffered I/O",
                        absolute);
            }
            int memoryAlign = directIo ? alignment.memoryAlignBytes() : BUFFERED_ALIGNMENT;
            int offsetAlign = directIo ? alignment.offsetAlignBytes() : BUFFERED_ALIGNMENT;
            long size;
            try (FileChannel channel = FileChannel.open(absolute, StandardOpenOption.READ)) {
                size = channel.size();
            }
            long capacity = size - size % offsetAlign;
            if (capacity <= 0) {
                throw new IOException("device " + absolute + " has no usable capacity (" + size + " bytes)");
            }
            DeviceFile file = new DeviceFile(absolute, blockDevice, capacity, alignment, directIo, memoryAlign,
                    offsetAlign, lock);
            success = true;
            return file;
        } finally {
            if (!success) {
                lock.close();
            }
        }
    }

    private static void createOrExtend(Path path, long sizeBytes) throws IOException {
        if (Files.exists(path) && !Files.isRegularFile(path)) {
            return;  // a device: its size is its own
        }
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            if (file.length() < sizeBytes) {
                file.setLength(sizeBytes);
            }
        }
    }

    private static Path defaultLockFile(Path device, boolean blockDevice) {
        if (!blockDevice) {
            return device.resolveSibling(device.getFileName() + ".lock");
        }
        String flat = device.toString().replace('/', '_');
        return Path.of(System.getProperty("java.io.tmpdir"), "pagestore-device" + flat + ".lock");
    }

    /**
     * Opens a {@link FileChannel} for reading and writing, with {@code O_DIRECT} when {@link #directIo()}. The
     * caller owns and closes it.
     */
    public FileChannel openChannel() throws IOException {
        OpenOption[] options = directIo && DIRECT_OPTION != null
                ? new OpenOption[] {StandardOpenOption.READ, StandardOpenOption.WRITE, DIRECT_OPTION}
                : new OpenOption[] {StandardOpenOption.READ, StandardOpenOption.WRITE};
        return FileChannel.open(path, options);
    }

    /** Whether {@link #openChannel()} gives a channel with {@code O_DIRECT}. */
    public boolean channelDirectIo() {
        return directIo && DIRECT_OPTION != null;
    }

    /**
     * {@code com.sun.nio.file.ExtendedOpenOption.DIRECT} (module jdk.unsupported), looked up once so that a JDK
     * without it falls back to buffered channels with one log line instead of failing to link.
     */
    private static final OpenOption DIRECT_OPTION = lookUpDirectOption();

    private static OpenOption lookUpDirectOption() {
        try {
            Class<?> type = Class.forName("com.sun.nio.file.ExtendedOpenOption");
            for (Object constant : type.getEnumConstants()) {
                if (((Enum<?>) constant).name().equals("DIRECT")) {
                    return (OpenOption) constant;
                }
            }
        } catch (ClassNotFoundException e) {
            // reported below
        }
        LOG.log(System.Logger.Level.WARNING, "this JDK has no ExtendedOpenOption.DIRECT: FileChannel devices use "
                + "buffered I/O");
        return null;
    }

    /**
     * Opens a raw descriptor ({@code O_RDWR | O_CLOEXEC}, plus {@code O_DIRECT} when {@link #directIo()}) for
     * backends that submit to the kernel themselves. Returns the fd or {@code -errno}; the caller closes it.
     */
    public int openDescriptor() {
        int flags = LibcFiles.O_RDWR | LibcFiles.O_CLOEXEC | (directIo ? LibcFiles.O_DIRECT : 0);
        return LibcFiles.open(path.toString(), flags, 0);
    }

    public Path path() {
        return path;
    }

    public boolean isBlockDevice() {
        return blockDevice;
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    /** What {@code statx} said (or its fallback). */
    public DirectIoAlignment alignment() {
        return alignment;
    }

    /** Whether descriptors are opened with {@code O_DIRECT}. */
    public boolean directIo() {
        return directIo;
    }

    public int memoryAlignmentBytes() {
        return memoryAlignmentBytes;
    }

    public int offsetAlignmentBytes() {
        return offsetAlignmentBytes;
    }

    /** The logical block size: the offset alignment. */
    public int logicalBlockSizeBytes() {
        return offsetAlignmentBytes;
    }

    public Path lockFile() {
        return lock.lockFile();
    }

    /** Releases the ownership claim. Idempotent. */
    @Override
    public void close() {
        lock.close();
    }

    @Override
    public String toString() {
        return path + (blockDevice ? " (block device" : " (file") + ", " + capacityBytes + " bytes, align mem "
                + memoryAlignmentBytes + " offset " + offsetAlignmentBytes + ", " + alignment.source()
                + (directIo ? ", O_DIRECT)" : ", buffered)");
    }
}
