package dev.pagestore.ipc.linux;

import java.lang.foreign.Arena;

/**
 * A name in the abstract Unix socket namespace ({@code unix(7)}), held by a listening socket for as long as this
 * object is open: a token that no file operation can remove.
 *
 * <h2>Why</h2>
 * A lock on a file lasts only while the file is the one its path names: {@code rm -rf} of a directory deletes the
 * lock file, and a second process then locks a new file under the same path. An abstract name has no file. It exists
 * exactly while a socket is bound to it, and the kernel frees it when the holder dies, even by {@code kill -9}, so a
 * name derived from what is owned (a directory's real path) stays taken however the directory is treated.
 *
 * <h2>Squatters</h2>
 * Abstract names have no permissions: any local user can bind any name first. So a name found bound is judged by
 * who holds it: {@link #claim} connects to it and reads the holder's {@code SO_PEERCRED}, which the kernel recorded
 * at {@code listen(2)} and which the holder cannot forge. The caller decides what a holder of another user means
 * (the page store: a squatter, to be warned about and otherwise ignored, so that no other user can block a start).
 *
 * <p>The listening socket never accepts a conversation: {@link #drainProbes} only closes connections that others made
 * to read the credentials, so that the backlog never fills.
 *
 * <p>Thread safety: {@link #drainProbes} and {@link #close} may be called from different threads; close once.
 */
public final class AbstractNameClaim implements AutoCloseable {
    private static final int BACKLOG = 64;
    /** Attempts when the name is found bound but its holder cannot be asked (it is closing, or its backlog is full). */
    private static final int ATTEMPTS_MAX = 20;
    private static final long RETRY_MILLIS = 25;

    /** What {@link #claim} found. */
    public sealed interface Outcome {
    }

    /** The name is now held by this process. */
    public record Claimed(AbstractNameClaim claim) implements Outcome {
    }

    /** Another socket holds the name; the kernel says whose it is. */
    public record HeldBy(PeerCredentials holder) implements Outcome {
    }

    /** Another socket holds the name but could not be asked who it is (not listening, or never accepting). */
    public record Unverified(String why) implements Outcome {
    }

    private final String name;
    private volatile int fd;

    private AbstractNameClaim(String name, int fd) {
        this.name = name;
        this.fd = fd;
    }

    /**
     * Binds {@code name} and listens on it, or says who holds it.
     *
     * @throws ErrnoException for an error other than the name being taken (for example {@code EMFILE})
     */
    public static Outcome claim(String name) throws ErrnoException {
        UnixSocketAddress address = UnixSocketAddress.ofAbstract(name);
        String why = "";
        for (int attempt = 0; attempt < ATTEMPTS_MAX; attempt++) {
            int fd = newSocket();
            boolean keep = false;
            try (Arena arena = Arena.ofConfined()) {
                int bound = LibcSockets.bind(fd, address.allocate(arena), address.length());
                if (bound == 0) {
                    Libc.check(LibcSockets.listen(fd, BACKLOG), "listen", address.toString());
                    keep = true;
                    return new Claimed(new AbstractNameClaim(name, fd));
                }
                if (bound != -Errno.EADDRINUSE.number()) {
                    Libc.check(bound, "bind", address.toString());
                }
            } finally {
                if (!keep) {
                    LibcFiles.close(fd);
                }
            }
            int probe = newSocket();
            try (Arena arena = Arena.ofConfined()) {
                int connected = LibcSockets.connect(probe, address.allocate(arena), address.length());
                if (connected == 0) {
                    return new HeldBy(PeerCredentials.of(probe));
                }
                if (connected == -Errno.ECONNREFUSED.number()) {
                    why = "a socket is bound to " + address + " but does not listen";  // or its holder just closed it
                } else if (connected == -Errno.EAGAIN.number()) {
                    why = "the socket bound to " + address + " never accepts (its backlog is full)";
                } else {
                    Libc.check(connected, "connect", address.toString());
                }
            } finally {
                LibcFiles.close(probe);
            }
            sleepQuietly();
        }
        return new Unverified(why);
    }

    private static int newSocket() throws ErrnoException {
        // non-blocking: a connect to a full backlog fails with EAGAIN instead of waiting, accept4 never waits
        return (int) Libc.check(LibcSockets.socket(LibcSockets.AF_UNIX, LibcSockets.SOCK_STREAM | LibcSockets.SOCK_CLOEXEC | LibcSockets.SOCK_NONBLOCK,
                0), "socket", "AF_UNIX");
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(RETRY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The name held, without the leading NUL. */
    public String name() {
        return name;
    }

    /** Closes the connections others made to read this holder's credentials; never blocks. */
    public void drainProbes() {
        int listener = fd;
        if (listener < 0) {
            return;
        }
        for (int i = 0; i < BACKLOG; i++) {
            int accepted = LibcSockets.accept4(listener, LibcSockets.SOCK_CLOEXEC | LibcSockets.SOCK_NONBLOCK);
            if (accepted < 0) {
                return;  // EAGAIN: none left; anything else (EMFILE, ECONNABORTED): try again at the next call
            }
            LibcFiles.close(accepted);
        }
    }

    /** Releases the name (closing the socket frees it at once). Idempotent. */
    @Override
    public synchronized void close() {
        if (fd >= 0) {
            LibcFiles.close(fd);
            fd = -1;
        }
    }

    @Override
    public String toString() {
        return "@" + name;
    }
}
