package dev.pagestore.wal;

import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.nvme.portable.PortableBlockDevice;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A {@link LogDirectory} on a real directory whose files' data moves through queue pairs of the nvme module's
 * synchronous backend ({@link PortableBlockDevice}): the WAL writer thread still appends and {@code fdatasync}s through
 * a queue pair it owns, and each command runs on that thread, inside the submit, as a positional
 * {@code pwrite} or an {@code fdatasync}.
 *
 * <h2>Why a synchronous queue pair for the log</h2>
 * The WAL writer's I/O is strictly serial: one write of the batch, then one fdatasync, then the next batch. An
 * asynchronous ring can overlap nothing there. Through io_uring on ext4 both operations are handed to io-wq worker
 * threads (buffered writes do not complete inline, and fsync always blocks), so every commit pays two thread
 * hand-offs: a 256 KiB write took 117-127 us through the ring against 52-64 us with {@code pwrite}, and with 8
 * appends in flight the slower wake-ups split batches (bench/HISTORY.md, "2026-11-26, third session"). Here the
 * writer thread makes the system calls itself, as {@link FileLogDirectory} does, and keeps the queue-pair ownership
 * model (one owner thread, enforced; {@link QueuePairLogDevice}'s pinned and unpinned handles).
 *
 * <h2>Design</h2>
 * <ul>
 *   <li><b>Names are the file system's</b> ({@link DirectoryNamespace}), and so is the on-disk format: a log written
 *       through this directory recovers through {@link FileLogDirectory} and {@link IoUringLogDirectory}, and back.</li>
 *   <li><b>One file, two handles.</b> The file is opened with {@code open(2)}; that descriptor carries the size calls
 *       ({@link FileSystemLogFile}: {@code lseek}, {@code ftruncate}, {@code fallocate}), and the data channel is
 *       opened through {@code /proc/self/fd/<fd>}, so both are the same file even if its name is renamed in between.
 *       The channel is buffered; {@code fdatasync} on it covers the whole file.</li>
 * </ul>
 *
 * <p>Thread safety: safe for use from several threads; each handle follows {@link QueuePairLogDevice}'s rules. A real
 * crash is the test of this directory.
 */
public final class PortableLogDirectory extends DirectoryNamespace {
    private final QueuePairLogDevice.Settings settings;
    private final HandlePins pins = new HandlePins();

    /** A directory with {@link QueuePairLogDevice.Settings#defaults()}; creates it when missing. */
    public PortableLogDirectory(Path directory) throws IOException {
        this(directory, QueuePairLogDevice.Settings.defaults());
    }

    public PortableLogDirectory(Path directory, QueuePairLogDevice.Settings settings) throws IOException {
        super(directory);
        if (settings == null) {
            throw new IllegalArgumentException("settings are required");
        }
        this.settings = settings;
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
        int fd = opened(LibcFiles.open(path.toString(), LibcFiles.O_RDWR | LibcFiles.O_CLOEXEC | (create ? LibcFiles.O_CREAT : 0), 0600),
                path, create, "O_RDWR");
        FileChannel channel = null;
        boolean success = false;
        try {
            channel = dataChannel(path, fd);
            PortableBlockDevice device = PortableBlockDevice.ofChannel(path.toString(), channel,
                    IoUringLogDirectory.FILE_CAPACITY_BYTES);
            LogDevice handle = new QueuePairLogDevice(name, new FileSystemLogFile(path.toString(), fd, device, false),
                    pins, settings, pins.holdsAny(Thread.currentThread()));
            success = true;
            return handle;
        } finally {
            if (!success) {
                if (channel != null) {
                    channel.close();
                }
                LibcFiles.close(fd);
            }
        }
    }

    /** A channel on the very file {@code fd} is open on, reopened through {@code /proc/self/fd}. */
    private static FileChannel dataChannel(Path path, int fd) throws IOException {
        Path self = Path.of("/proc/self/fd/" + fd);
        try {
            return FileChannel.open(self, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IOException("cannot open the data channel of " + path + " through " + self
                    + " (PortableLogDirectory needs /proc mounted): " + e, e);
        }
    }

    @Override
    public String toString() {
        return "PortableLogDirectory[" + path() + ", synchronous queue pairs]";
    }
}
