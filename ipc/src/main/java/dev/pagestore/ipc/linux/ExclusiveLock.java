package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Exclusive ownership of a directory or file through {@code flock(2)} on a lock file, with the owner's pid written
 * into it so that a refused process can say who holds it.
 *
 * <p>Why {@code flock} and not {@link java.nio.channels.FileChannel#tryLock()}: the JDK's lock is an fcntl record
 * lock, which belongs to the process and is dropped when <em>any</em> descriptor of the file in that process is
 * closed. An {@code flock} belongs to the open file description: it is held exactly as long as this object's
 * descriptor is open, and the kernel releases it when the process dies, even by {@code kill -9}.
 *
 * <p>The pid in the file is diagnostic only; the lock itself is the kernel's. A stale pid left by a dead owner is
 * overwritten by the next owner.
 */
public final class ExclusiveLock implements AutoCloseable {
    private final Path lockFile;
    private int fd;

    private ExclusiveLock(Path lockFile, int fd) {
        this.lockFile = lockFile;
        this.fd = fd;
    }

    /**
     * Takes the lock for {@code target}: a directory is locked through {@code target/.lock}, a file through
     * {@code target.lock} beside it.
     *
     * @throws OwnedByAnotherProcessException when another process holds it; the message names its pid
     */
    public static ExclusiveLock acquire(Path target, String what) throws IOException {
        Path lockFile = Files.isDirectory(target)
                ? target.resolve(".lock")
                : target.resolveSibling(target.getFileName() + ".lock");
        return acquireLockFile(lockFile, what);
    }

    /** Takes the lock on {@code lockFile} itself, creating it with mode 0600 when missing. */
    public static ExclusiveLock acquireLockFile(Path lockFile, String what) throws IOException {
        int fd = LibcFiles.open(lockFile.toString(), LibcFiles.O_RDWR | LibcFiles.O_CREAT | LibcFiles.O_CLOEXEC, 0600);
        Libc.check(fd, "open", lockFile.toString());
        boolean success = false;
        try {
            int result;
            do {
                result = LibcFiles.flock(fd, LibcFiles.LOCK_EX | LibcFiles.LOCK_NB);
            } while (result == -Errno.EINTR.number());  // retryable: a signal arrived before the lock was decided
            if (result == -Errno.EWOULDBLOCK.number()) {
                String holder = readHolder(lockFile);
                throw new OwnedByAnotherProcessException(what + " " + lockFile.getParent()
                        + " is in use by " + holder + " (lock file " + lockFile + ")", holder);
            }
            Libc.check(result, "flock", lockFile.toString());
            writePid(fd, lockFile);
            success = true;
            return new ExclusiveLock(lockFile, fd);
        } finally {
            if (!success) {
                LibcFiles.close(fd);
            }
        }
    }

    private static String readHolder(Path lockFile) {
        try {
            String pid = Files.readString(lockFile, StandardCharsets.US_ASCII).trim();
            if (pid.matches("[0-9]{1,10}")) {
                String command = ProcessHandle.of(Long.parseLong(pid))
                        .flatMap(p -> p.info().commandLine())
                        .map(c -> " (" + (c.length() > 120 ? c.substring(0, 120) + "..." : c) + ")")
                        .orElse("");
                return "pid " + pid + command;
            }
            return "another process (the lock file does not name a pid yet)";
        } catch (IOException e) {
            return "another process (its pid could not be read: " + e.getMessage() + ")";
        }
    }

    private static void writePid(int fd, Path lockFile) throws ErrnoException {
        byte[] text = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
        Libc.check(LibcFiles.ftruncate(fd, 0), "ftruncate", lockFile.toString());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocateFrom(JAVA_BYTE, text);
            Libc.check(LibcFiles.pwrite(fd, buffer, text.length, 0), "pwrite", lockFile.toString());
        }
    }

    public Path lockFile() {
        return lockFile;
    }

    /**
     * The lock file this lock holds, through its descriptor: compared with {@link FileStatus#ofPath} of
     * {@link #lockFile()} it tells whether the path still names the locked file (an {@code flock} on a file that was
     * deleted or replaced no longer keeps anyone out).
     */
    public FileStatus status() throws ErrnoException {
        if (fd < 0) {
            throw new IllegalStateException("lock on " + lockFile + " is closed");
        }
        return FileStatus.of(fd);
    }

    /** Releases the lock (closing the descriptor releases the flock). Idempotent. */
    @Override
    public void close() {
        if (fd >= 0) {
            LibcFiles.close(fd);
            fd = -1;
        }
    }

    /** Another live process holds the lock. */
    public static final class OwnedByAnotherProcessException extends IOException {
        private static final long serialVersionUID = 1L;
        private final String holder;

        OwnedByAnotherProcessException(String message, String holder) {
            super(message);
            this.holder = holder;
        }

        /** {@code "pid 1234 (java ...)"}. */
        public String holder() {
            return holder;
        }
    }
}
