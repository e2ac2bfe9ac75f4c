package dev.pagestore.manager;

import dev.pagestore.ipc.linux.AbstractNameClaim;
import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.ErrnoException;
import dev.pagestore.ipc.linux.ExclusiveLock;
import dev.pagestore.ipc.linux.FileStatus;
import dev.pagestore.ipc.linux.Libc;
import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.ipc.linux.LibcProcesses;
import dev.pagestore.ipc.linux.PeerCredentials;
import dev.pagestore.protocol.PageStoreProtocol;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One manager's exclusive ownership of a data directory, held three ways that fail differently.
 *
 * <h2>Why three</h2>
 * An {@code flock} on {@code DIR/.lock} alone was defeated by deleting the file: {@code rm -rf DIR} under a running
 * manager removed it, and a second manager locked a new {@code .lock} in a re-created {@code DIR} while the first kept
 * serving deleted files. So the manager holds:
 * <ol>
 *   <li>an abstract socket name derived from the directory's real path ({@value #NAME_PREFIX} + SHA-256 of the path,
 *       {@link AbstractNameClaim}): no file, so no file operation removes it, and it names the same path after the
 *       directory is deleted and re-created. A name held by this user (or root) is a live manager; one held by
 *       another user is a squatter (abstract names have no permissions), warned about and otherwise ignored, so that
 *       no other user can block a start;</li>
 *   <li>an {@code flock} on the directory itself, and</li>
 *   <li>the {@code flock} on {@code DIR/.lock}, which also records the holder's pid for messages (and is what a
 *       manager of an older version holds).</li>
 * </ol>
 * And while it runs, {@link #lostReason()} (the manager's housekeeping, every second) checks through more than one
 * path that {@code DIR} and {@code DIR/.lock} still are the inodes it locked: a directory deleted, moved or replaced
 * under a manager stops it at once, instead of it acknowledging writes into files nobody can reach.
 *
 * <p>Thread safety: {@link #lostReason} and {@link #drainProbes} from one housekeeping thread; {@link #close} once,
 * after housekeeping stopped.
 */
public final class DirectoryOwnership implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DirectoryOwnership.class);
    static final String NAME_PREFIX = "pagestore-manager-";
    static final String LOCK_FILE = ".lock";

    private final Path directory;
    private final AbstractNameClaim name;
    private final int directoryFd;
    private final ExclusiveLock lock;
    private final FileStatus directoryStatus;
    private final FileStatus lockStatus;
    /** {@code DIR/.lock} did not exist before {@link #acquire}: {@link #abandon} removes it again. */
    private final boolean lockFileCreated;
    private boolean closed;

    private DirectoryOwnership(Path directory, AbstractNameClaim name, int directoryFd, ExclusiveLock lock,
            boolean lockFileCreated) throws ErrnoException {
        this.directory = directory;
        this.lockFileCreated = lockFileCreated;
        this.name = name;
        this.directoryFd = directoryFd;
        this.lock = lock;
        this.directoryStatus = FileStatus.of(directoryFd);
        this.lockStatus = lock.status();
    }

    /** The abstract socket name a manager of {@code realDirectory} holds (without the leading NUL). */
    static String abstractName(Path realDirectory) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    realDirectory.toString().getBytes(StandardCharsets.UTF_8));
            return NAME_PREFIX + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * Takes {@code realDirectory} (already resolved with {@link Path#toRealPath}) for this process. Changes nothing in
     * the directory but creating {@code .lock}, and that only once nothing else holds it.
     *
     * @throws ManagerAlreadyRunningException when a manager holds it; the message names its pid and what to do
     */
    public static DirectoryOwnership acquire(Path realDirectory) throws IOException {
        String nameText = abstractName(realDirectory);
        AbstractNameClaim name = null;
        int directoryFd = -1;
        ExclusiveLock lock = null;
        boolean success = false;
        try {
            switch (AbstractNameClaim.claim(nameText)) {
                case AbstractNameClaim.Claimed claimed -> name = claimed.claim();
                case AbstractNameClaim.HeldBy held -> {
                    if (isManagerOfThisUser(held.holder())) {
                        String holder = describe(held.holder().pid());
                        throw new ManagerAlreadyRunningException(alreadyRunning(realDirectory, holder
                                + ", which holds @" + nameText), holder, null);
                    }
                    LOG.warn("@{} is held by uid {} (pid {}), not by this user: a squatter, ignored; this manager"
                            + " relies on its locks in {}", nameText, held.holder().uid(), held.holder().pid(),
                            realDirectory);
                }
                case AbstractNameClaim.Unverified unverified -> LOG.warn("@{} is taken but its holder cannot be asked"
                        + " ({}); this manager relies on its locks in {}", nameText, unverified.why(), realDirectory);
            }
            directoryFd = (int) Libc.check(LibcFiles.open(realDirectory.toString(), LibcFiles.O_RDONLY | LibcFiles.O_DIRECTORY
                    | LibcFiles.O_CLOEXEC | LibcFiles.O_NOFOLLOW, 0), "open", realDirectory.toString());
            if (!tryFlock(directoryFd, realDirectory)) {
                String holder = holderOfLockFile(realDirectory.resolve(LOCK_FILE));
                throw new ManagerAlreadyRunningException(alreadyRunning(realDirectory, holder), holder, null);
            }
            boolean lockFileCreated = !Files.exists(realDirectory.resolve(LOCK_FILE), LinkOption.NOFOLLOW_LINKS);
            try {
                lock = ExclusiveLock.acquireLockFile(realDirectory.resolve(LOCK_FILE), "pagestore data directory");
            } catch (ExclusiveLock.OwnedByAnotherProcessException e) {
                throw new ManagerAlreadyRunningException(alreadyRunning(realDirectory, e.holder()), e.holder(), e);
            }
            DirectoryOwnership ownership = new DirectoryOwnership(realDirectory, name, directoryFd, lock,
                    lockFileCreated);
            success = true;
            return ownership;
        } finally {
            if (!success) {
                if (lock != null) {
                    lock.close();
                }
                if (directoryFd >= 0) {
                    LibcFiles.close(directoryFd);
                }
                if (name != null) {
                    name.close();
                }
            }
        }
    }

    private static String alreadyRunning(Path directory, String holder) {
        return "another pagestore manager runs on " + directory + ": " + holder + "; stop it first (SIGTERM), or give"
                + " another --dir";
    }

    /** A holder of this user's, or root's, is a manager; anyone else's is a squatter. */
    private static boolean isManagerOfThisUser(PeerCredentials holder) {
        return holder.uid() == LibcProcesses.geteuid() || holder.uid() == 0;
    }

    /** {@code flock(LOCK_EX | LOCK_NB)}: true when taken, false when another holds it. */
    private static boolean tryFlock(int fd, Path what) throws ErrnoException {
        int result;
        do {
            result = LibcFiles.flock(fd, LibcFiles.LOCK_EX | LibcFiles.LOCK_NB);
        } while (result == -Errno.EINTR.number());  // a signal arrived before the lock was decided: ask again
        if (result == -Errno.EWOULDBLOCK.number()) {
            return false;
        }
        Libc.check(result, "flock", what.toString());
        return true;
    }

    private static String describe(long pid) {
        String command = ProcessHandle.of(pid).flatMap(p -> p.info().commandLine())
                .map(c -> " (" + (c.length() > 120 ? c.substring(0, 120) + "..." : c) + ")").orElse("");
        return "pid " + pid + command;
    }

    private static String holderOfLockFile(Path lockFile) {
        try {
            String pid = Files.readString(lockFile, StandardCharsets.US_ASCII).trim();
            return pid.matches("[0-9]{1,10}") ? describe(Long.parseLong(pid)) : "another process";
        } catch (IOException e) {
            return "another process";
        }
    }

    /**
     * Who holds {@code directory}, asked without taking it for longer than the question: a manager of this user (or
     * root) holding its abstract name, a lock on the directory or on its {@code .lock}, or a manager answering on its
     * socket. Empty when nobody does. Creates nothing (the demo asks before it empties a directory).
     */
    public static Optional<String> holder(Path directory) throws IOException {
        Path real = directory.toRealPath();
        String nameText = abstractName(real);
        switch (AbstractNameClaim.claim(nameText)) {
            case AbstractNameClaim.Claimed claimed -> claimed.claim().close();
            case AbstractNameClaim.HeldBy held -> {
                if (isManagerOfThisUser(held.holder())) {
                    return Optional.of(describe(held.holder().pid()) + ", which holds @" + nameText);
                }
            }
            case AbstractNameClaim.Unverified unverified -> {
                // cannot be told from a squatter: the locks below decide
            }
        }
        int fd = (int) Libc.check(LibcFiles.open(real.toString(), LibcFiles.O_RDONLY | LibcFiles.O_DIRECTORY | LibcFiles.O_CLOEXEC
                | LibcFiles.O_NOFOLLOW, 0), "open", real.toString());
        try {
            if (!tryFlock(fd, real)) {
                return Optional.of(holderOfLockFile(real.resolve(LOCK_FILE)) + ", which locks " + real);
            }
        } finally {
            LibcFiles.close(fd);  // releases the flock just taken
        }
        Path lockFile = real.resolve(LOCK_FILE);
        if (Files.isRegularFile(lockFile, LinkOption.NOFOLLOW_LINKS)) {
            int lockFd = LibcFiles.open(lockFile.toString(), LibcFiles.O_RDONLY | LibcFiles.O_CLOEXEC | LibcFiles.O_NOFOLLOW, 0);
            if (lockFd >= 0) {
                try {
                    if (!tryFlock(lockFd, lockFile)) {
                        return Optional.of(holderOfLockFile(lockFile) + ", which locks " + lockFile);
                    }
                } finally {
                    LibcFiles.close(lockFd);
                }
            }
        }
        Path socket = PageStoreProtocol.socketPath(real);
        if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                return Optional.of("a process answering on " + socket);
            } catch (IOException refused) {
                // a socket file left by a manager that died: nobody answers
            }
        }
        return Optional.empty();
    }

    /**
     * Why this ownership no longer protects the directory, or null while it does: {@code DIR} or {@code DIR/.lock}
     * was deleted, moved or replaced by another file (a path that no longer leads to the inode locked). A check that
     * fails for another reason (a parent made unreadable, say) is logged and not taken for a loss.
     */
    public String lostReason() {
        try {
            if (FileStatus.of(directoryFd).linkCount() == 0) {
                return directory + " was deleted under the manager";
            }
            String moved = replaced(directory, directoryStatus, "directory");
            if (moved != null) {
                return moved;
            }
            if (lock.status().linkCount() == 0) {
                return lock.lockFile() + " was deleted under the manager";
            }
            return replaced(lock.lockFile(), lockStatus, "lock file");
        } catch (ErrnoException e) {
            LOG.warn("cannot check that {} is still the directory this manager locked: {}", directory,
                    e.getMessage());
            return null;
        }
    }

    private static String replaced(Path path, FileStatus locked, String what) throws ErrnoException {
        FileStatus now;
        try {
            now = FileStatus.ofPath(path);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR) {
                return path + " no longer exists (the " + what + " was deleted or moved under the manager)";
            }
            throw e;
        }
        return now.sameFileAs(locked) ? null
                : path + " is no longer the " + what + " this manager locked (it was replaced under the manager)";
    }

    /** Closes the connections that others made to ask who holds the name (so its backlog never fills). */
    public void drainProbes() {
        if (name != null) {
            name.drainProbes();
        }
    }

    public Path directory() {
        return directory;
    }

    /**
     * Releases after a refused start, leaving the directory as it was found: removes {@code DIR/.lock} when
     * {@link #acquire} created it (while still holding everything, so no other manager is in between), then closes.
     */
    public synchronized void abandon() {
        if (!closed && lockFileCreated) {
            try {
                Files.deleteIfExists(lock.lockFile());
            } catch (IOException e) {
                LOG.warn("could not remove {} after a refused start: {}", lock.lockFile(), e.toString());
            }
        }
        close();
    }

    /** Releases everything: the lock file's lock, the directory's, then the name. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        lock.close();
        LibcFiles.close(directoryFd);
        if (name != null) {
            name.close();
        }
    }
}
