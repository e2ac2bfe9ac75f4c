package dev.pagestore.wal;

import dev.pagestore.ipc.linux.DirectIoAlignment;
import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.nvme.uring.IoUringBlockDevice;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A {@link LogDirectory} on a real directory whose files' data moves through io_uring queue pairs of the nvme module:
 * the WAL writer thread appends and {@code fdatasync}s through a queue pair it owns, on real disks.
 *
 * <h2>Design</h2>
 * <ul>
 *   <li><b>Names are the file system's</b>, exactly as {@link FileLogDirectory}'s ({@link DirectoryNamespace}:
 *       create, atomic rename, unlink, list, directory {@code fsync}), and so is the on-disk format: a WAL written
 *       through one directory recovers through the other.</li>
 *   <li><b>Data goes through {@link QueuePairLogDevice}</b> over an {@link IoUringBlockDevice} made from the file's own
 *       descriptor ({@link IoUringBlockDevice#ofDescriptor}: no lock file per segment; the directory's owner, the
 *       manager, holds the data directory's lock). Writes and reads are {@code IORING_OP_WRITE/READ}, the durability
 *       barrier is {@code IORING_OP_FSYNC} with {@code IORING_FSYNC_DATASYNC}. The size of a file is the kernel's
 *       ({@link FileSystemLogFile}: {@code lseek}, {@code ftruncate}, {@code fallocate} on the cold path), so it is right
 *       after a crash and a reopen. Preallocation and truncation are those synchronous calls, not ring commands: they
 *       happen only while a segment is prepared.</li>
 *   <li><b>Owner thread.</b> Every queue pair is one io_uring ring created with {@code IORING_SETUP_SINGLE_ISSUER}
 *       (and {@code DEFER_TASKRUN}), so the kernel itself refuses a second submitter. Handles follow
 *       {@link QueuePairLogDevice}'s pinned/unpinned rule: the control file and segment preparation on the opening
 *       thread use a short-lived ring per operation, made and closed on the calling thread; recovery pins each segment
 *       to the thread reading it, one ring per segment; when the WAL hands its current
 *       segment to the writer thread ({@link LogDevice#transferOwnership}) the pinned queue pair is transferred, and
 *       {@link dev.pagestore.nvme.uring.IoUringBackend} re-creates its (idle) ring on the new owner's first call, so
 *       {@code SINGLE_ISSUER} holds without creating rings lazily here or dropping the flag.</li>
 *   <li><b>Buffered by default, {@code O_DIRECT} on request.</b> The WAL's writes are aligned
 *       ({@link WalConfig#writeAlignmentBytes()}) from aligned buffers, so {@code O_DIRECT} is possible, and
 *       {@code fdatasync} is needed either way (file size, extent state and the disk's volatile cache). On this
 *       machine's ext4 the append rates of the two did not separate beyond the disk's run-to-run noise (bench/HISTORY.md,
 *       "io_uring directory: buffered or O_DIRECT"), while recovery's page-by-page reads were about three times
 *       faster buffered and small unaligned writes (control-file slots) need no read-modify-write; so buffered is the
 *       default, and {@link Options#directIo} is there for disks where bypassing the cache measures better. Where a
 *       file system refuses {@code O_DIRECT} (tmpfs) the file is opened buffered.</li>
 * </ul>
 *
 * <p>Thread safety: safe for use from several threads; each handle follows {@link QueuePairLogDevice}'s rules. A real
 * crash (kill -9, power loss) is the test of this directory.
 */
public final class IoUringLogDirectory extends DirectoryNamespace {
    /** The capacity given to each file's device: offsets of commands stay below it (1 TiB; ext4's limit is 16 TiB). */
    public static final long FILE_CAPACITY_BYTES = 1L << 40;

    /**
     * @param directIo  open files {@code O_DIRECT} (alignment from {@code statx DIOALIGN}); else buffered, any alignment
     * @param ring      how each queue pair sets up its io_uring ring
     * @param queuePair queue depth, command timeout and staging of each {@link QueuePairLogDevice}
     */
    public record Options(boolean directIo, IoUringBlockDevice.Settings ring, QueuePairLogDevice.Settings queuePair) {
        public Options {
            if (ring == null || queuePair == null) {
                throw new IllegalArgumentException("ring and queuePair settings are required");
            }
        }

        /** Buffered I/O, SINGLE_ISSUER + DEFER_TASKRUN rings with the file registered, default queue pair settings. */
        public static Options defaults() {
            return new Options(false, IoUringBlockDevice.Settings.defaults(), QueuePairLogDevice.Settings.defaults());
        }

        public Options withDirectIo(boolean value) {
            return new Options(value, ring, queuePair);
        }
    }

    private final Options options;
    private final HandlePins pins = new HandlePins();
    private volatile boolean directIoRefused;

    /** A directory with {@link Options#defaults()}; creates it when missing. */
    public IoUringLogDirectory(Path directory) throws IOException {
        this(directory, Options.defaults());
    }

    public IoUringLogDirectory(Path directory, Options options) throws IOException {
        super(directory);
        if (options == null) {
            throw new IllegalArgumentException("options are required");
        }
        this.options = options;
    }

    public Options options() {
        return options;
    }

    /** Whether files are opened {@code O_DIRECT}: asked for, and not refused by the file system. */
    public boolean directIo() {
        return options.directIo() && !directIoRefused;
    }

    /**
     * Opens {@code name} (creating it, mode 0600, when asked). The handle is pinned to the calling thread when that
     * thread already holds a pinned handle of this directory (the WAL writer opening its next segment), else unpinned.
     *
     * @throws NoSuchFileException when {@code name} does not exist and {@code create} is false
     */
    @Override
    public LogDevice open(String name, boolean create) throws IOException {
        Path path = resolve(name);
        boolean direct = directIo();
        int baseFlags = LibcFiles.O_RDWR | LibcFiles.O_CLOEXEC | (create ? LibcFiles.O_CREAT : 0);
        int fd = LibcFiles.open(path.toString(), baseFlags | (direct ? LibcFiles.O_DIRECT : 0), 0600);
        if (fd == -Errno.EINVAL.number() && direct) {
            directIoRefused = true; // tmpfs and the like have no O_DIRECT: documented fallback to buffered I/O
            direct = false;
            fd = LibcFiles.open(path.toString(), baseFlags, 0600);
        }
        fd = opened(fd, path, create, direct ? "O_RDWR|O_DIRECT" : "O_RDWR");
        IoUringBlockDevice device = null;
        boolean success = false;
        try {
            int memoryAlignment = 1;
            int offsetAlignment = 1;
            if (direct) {
                DirectIoAlignment alignment = DirectIoAlignment.of(path);
                memoryAlignment = Math.max(1, alignment.memoryAlignBytes());
                offsetAlignment = Math.max(1, alignment.offsetAlignBytes());
            }
            device = IoUringBlockDevice.ofDescriptor(path.toString(), fd, FILE_CAPACITY_BYTES, memoryAlignment,
                    offsetAlignment, options.ring());
            LogDevice handle = new QueuePairLogDevice(name, new FileSystemLogFile(path.toString(), fd, device, true), pins,
                    options.queuePair(), pins.holdsAny(Thread.currentThread()));
            success = true;
            return handle;
        } finally {
            if (!success) {
                if (device != null) {
                    device.close();
                } else {
                    LibcFiles.close(fd);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "IoUringLogDirectory[" + path() + (directIo() ? ", O_DIRECT" : ", buffered") + "]";
    }
}
