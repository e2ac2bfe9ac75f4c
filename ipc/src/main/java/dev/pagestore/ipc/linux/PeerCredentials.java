package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Who is at the other end of a connected Unix socket, as the kernel recorded it at {@code connect(2)} or
 * {@code socketpair(2)} ({@code SO_PEERCRED}, {@code unix(7)}): not what the peer claims, so it cannot be forged.
 * The pid is the one in this process's pid namespace.
 *
 * <pre>
 *  struct ucred: offset 0 pid (int), 4 uid (int), 8 gid (int)
 * </pre>
 *
 * @param pid the peer process id at connect time
 * @param uid its effective user id
 * @param gid its effective group id
 */
public record PeerCredentials(int pid, int uid, int gid) {
    private static final int UCRED_BYTES = 12;

    /** {@code getsockopt(fd, SOL_SOCKET, SO_PEERCRED)}. */
    public static PeerCredentials of(int socketFd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(UCRED_BYTES, 4);
            MemorySegment length = arena.allocate(JAVA_INT);
            length.set(JAVA_INT, 0, UCRED_BYTES);
            Libc.check(LibcSockets.getsockopt(socketFd, LibcSockets.SOL_SOCKET, LibcSockets.SO_PEERCRED, value, length), "getsockopt",
                    "SO_PEERCRED");
            return new PeerCredentials(value.get(JAVA_INT, 0), value.get(JAVA_INT, 4), value.get(JAVA_INT, 8));
        }
    }

    @Override
    public String toString() {
        return "pid " + pid + " uid " + uid + " gid " + gid;
    }
}
