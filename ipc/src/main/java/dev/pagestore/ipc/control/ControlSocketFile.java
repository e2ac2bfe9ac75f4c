package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.ErrnoException;
import dev.pagestore.ipc.linux.UnixListener;
import dev.pagestore.ipc.linux.UnixSocket;
import dev.pagestore.ipc.linux.UnixSocketAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's listening socket file ({@link UnixListener}, non-blocking): bound owner-only, replacing a stale file
 * left by a dead manager, unlinked on close.
 *
 * <h2>Owner-only from the first instant</h2>
 * {@code bind(2)} creates the file with the process umask, and changing the mode after {@code bind} leaves a window in
 * which another user could connect. So the socket is bound inside a fresh private directory (mode 0700, made next to the target so both
 * are on one file system), set to 0600 there, and then {@code rename(2)}d onto the target path. The rename is atomic:
 * a worker sees either the old file or the new, listening, owner-only socket, never a half-made one. The socket
 * keeps working after the rename because a Unix socket is found through its inode, not its name.
 *
 * <h2>Stale files and ownership</h2>
 * A manager killed with {@code kill -9} leaves its socket file behind (nobody unlinks it). On start, an existing file
 * at the path is replaced only when it is a socket that refuses connections (nothing listens: stale). A socket that
 * accepts a connection belongs to a live manager and is left alone; a file that is not a socket (or a symbolic link)
 * is never replaced. This probe is a courtesy, not the ownership rule: two managers starting at once could both see
 * a stale file. The caller must hold the data directory's exclusive lock
 * ({@link dev.pagestore.ipc.linux.ExclusiveLock}) before binding, so only one manager ever gets here per path.
 *
 * <p>{@link #close()} closes the channel and unlinks the path if it is still this socket's inode (never a file that
 * a later manager put there).
 */
final class ControlSocketFile implements AutoCloseable {
    /** {@code sun_path} is 108 bytes including the terminating NUL. */
    static final int PATH_BYTES_MAX = 107;
    private static final int SOCKET_FILE_TYPE = 0140000;  // S_IFSOCK
    private static final int FILE_TYPE_MASK = 0170000;    // S_IFMT
    private static final Logger LOG = LoggerFactory.getLogger(ControlSocketFile.class);

    /** How long the probe of an existing socket waits for a listener with a full backlog. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

    private final Path path;
    private final Object fileKey;
    private final UnixListener listener;
    private boolean closed;

    private ControlSocketFile(Path path, Object fileKey, UnixListener listener) {
        this.path = path;
        this.fileKey = fileKey;
        this.listener = listener;
    }

    /**
     * Binds a listening socket at {@code socketPath} with mode 0600, replacing a stale socket file.
     *
     * @throws FileAlreadyExistsException when a live manager listens there, or the path holds something that is not
     *         a socket
     */
    static ControlSocketFile bind(Path socketPath, int backlog) throws IOException {
        Path path = socketPath.toAbsolutePath().normalize();
        checkLength(path, "socketPath");
        Path directory = path.getParent();
        if (directory == null || !Files.isDirectory(directory)) {
            throw new NoSuchFileException(String.valueOf(directory), null,
                    "the directory of control socket " + path + " does not exist");
        }
        Path privateDirectory = Files.createTempDirectory(directory, ".ctl",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path privatePath = privateDirectory.resolve("s");
        UnixListener listener = null;
        boolean success = false;
        try {
            checkLength(privatePath, "the private bind path (socketPath's directory plus ~30 bytes)");
            listener = UnixListener.bind(UnixSocketAddress.ofPath(privatePath), backlog);
            Files.setPosixFilePermissions(privatePath, PosixFilePermissions.fromString("rw-------"));
            checkReplaceable(path);
            // rename(2): atomically replaces a stale socket file, so the path never names a half-made socket.
            Files.move(privatePath, path, StandardCopyOption.ATOMIC_MOVE);
            Object key = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            ControlSocketFile file = new ControlSocketFile(path, key, listener);
            success = true;
            return file;
        } finally {
            Files.deleteIfExists(privatePath);
            Files.deleteIfExists(privateDirectory);
            if (!success && listener != null) {
                listener.close();
            }
        }
    }

    private static void checkLength(Path path, String what) {
        int bytes = path.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > PATH_BYTES_MAX) {
            throw new IllegalArgumentException(what + " " + path + " is " + bytes
                    + " bytes; a Unix socket path holds at most " + PATH_BYTES_MAX);
        }
    }

    /** Returns when nothing is at {@code path} or a stale socket is; throws for anything that must be kept. */
    private static void checkReplaceable(Path path) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (!isSocket(path, attributes)) {
            throw new FileAlreadyExistsException(path.toString(), null,
                    "exists and is not a socket; refusing to replace it with the control socket");
        }
        try (UnixSocket probe = UnixSocket.connect(UnixSocketAddress.ofPath(path), PROBE_TIMEOUT)) {
            LOG.debug("probed {}: {} listens", path, probe);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ECONNREFUSED) {
                throw e;  // EAGAIN: a live listener whose backlog is full; EACCES: someone else's socket
            }
            // ECONNREFUSED: a socket file with no listener, left by a manager that died without closing.
            LOG.info("replacing stale control socket {} (nothing listens on it)", path);
            return;
        }
        throw new FileAlreadyExistsException(path.toString(), null,
                "a live process listens on this control socket; is another manager running on this directory?");
    }

    private static boolean isSocket(Path path, BasicFileAttributes attributes) throws IOException {
        if (!attributes.isOther()) {
            return false;
        }
        try {
            Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return ((Integer) mode & FILE_TYPE_MASK) == SOCKET_FILE_TYPE;
        } catch (UnsupportedOperationException e) {
            return true;  // no unix view: "other" (socket, fifo or device) is the best this file system says
        }
    }

    Path path() {
        return path;
    }

    UnixListener listener() {
        return listener;
    }

    /** Closes the listening socket and unlinks the path if it still names this socket. Idempotent. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            listener.close();
        } finally {
            try {
                Object key = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
                if (Objects.equals(key, fileKey)) {
                    Files.delete(path);
                } else {
                    LOG.warn("control socket {} was replaced by another file; leaving it", path);
                }
            } catch (NoSuchFileException e) {
                LOG.warn("control socket {} was already removed by someone else", path);
            }
        }
    }
}
