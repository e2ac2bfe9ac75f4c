package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * {@code struct msghdr} for {@code sendmsg(2)}/{@code recvmsg(2)} with one data buffer and, optionally, file
 * descriptors passed as {@code SCM_RIGHTS} ancillary data ({@code unix(7)}, {@code cmsg(3)}). LP64 layout (x86_64 and
 * aarch64):
 *
 * <pre>
 *  msghdr (56 bytes)                       iovec (16)           cmsghdr (16, then data)
 *   0 msg_name        8  (unused: NULL)     0 iov_base  8        0 cmsg_len    8  16 + 4 * fds
 *   8 msg_namelen     4  (+4 pad)           8 iov_len   8        8 cmsg_level  4  SOL_SOCKET
 *  16 msg_iov         8                                          12 cmsg_type  4  SCM_RIGHTS
 *  24 msg_iovlen      8  1                                       16 data       4 per descriptor
 *  32 msg_control     8
 *  40 msg_controllen  8  CMSG_SPACE: 16 + 4 * fds, rounded up to 8
 *  48 msg_flags       4  (+4 pad)  out: MSG_CTRUNC when descriptors were dropped
 * </pre>
 *
 * <p>A received message's descriptors are installed in this process by the kernel; whoever receives them must close
 * every one it does not keep (including when the message is otherwise refused).
 */
public final class MessageHeader {
    public static final long SIZE_BYTES = 56;
    private static final long IOV_OFFSET = 16;
    private static final long IOVLEN_OFFSET = 24;
    private static final long CONTROL_OFFSET = 32;
    private static final long CONTROLLEN_OFFSET = 40;
    private static final long FLAGS_OFFSET = 48;
    private static final long IOVEC_BYTES = 16;
    private static final long CMSG_HEADER_BYTES = 16;

    private final MemorySegment header;
    private final MemorySegment control;
    private final int descriptorsMax;

    private MessageHeader(MemorySegment header, MemorySegment control, int descriptorsMax) {
        this.header = header;
        this.control = control;
        this.descriptorsMax = descriptorsMax;
    }

    /** Bytes of control data for {@code count} descriptors ({@code CMSG_SPACE}). */
    public static long controlSpace(int count) {
        return CMSG_HEADER_BYTES + ((4L * count + 7) & ~7L);
    }

    /**
     * A header in {@code arena} naming {@code data} as its one buffer and room for {@code descriptorsMax} descriptors
     * (0: no control data).
     */
    public static MessageHeader allocate(Arena arena, MemorySegment data, int descriptorsMax) {
        if (descriptorsMax < 0 || descriptorsMax > 253) {  // SCM_MAX_FD
            throw new IllegalArgumentException("descriptorsMax=" + descriptorsMax + " must be in [0, 253]");
        }
        MemorySegment header = arena.allocate(SIZE_BYTES + IOVEC_BYTES, 8);
        MemorySegment iovec = header.asSlice(SIZE_BYTES, IOVEC_BYTES);
        iovec.set(ADDRESS, 0, data);
        iovec.set(JAVA_LONG, 8, data.byteSize());
        header.set(ADDRESS, IOV_OFFSET, iovec);
        header.set(JAVA_LONG, IOVLEN_OFFSET, 1);
        MemorySegment control = descriptorsMax == 0 ? MemorySegment.NULL
                : arena.allocate(controlSpace(descriptorsMax), 8);
        MessageHeader message = new MessageHeader(header, control, descriptorsMax);
        message.clearControl();
        return message;
    }

    /** The {@code struct msghdr} to pass to {@link LibcSockets#sendmsg} or {@link LibcSockets#recvmsg}. */
    public MemorySegment segment() {
        return header;
    }

    /** Points the one buffer at the first {@code length} bytes of {@code data} (for a partial send or read). */
    public void buffer(MemorySegment data, long length) {
        MemorySegment iovec = header.asSlice(SIZE_BYTES, IOVEC_BYTES);
        iovec.set(ADDRESS, 0, data);
        iovec.set(JAVA_LONG, 8, length);
    }

    /** Sends no descriptors with the next {@code sendmsg}; before a {@code recvmsg}, offers room for all of them. */
    public void clearControl() {
        header.set(JAVA_INT, FLAGS_OFFSET, 0);
        if (descriptorsMax == 0) {
            header.set(ADDRESS, CONTROL_OFFSET, MemorySegment.NULL);
            header.set(JAVA_LONG, CONTROLLEN_OFFSET, 0);
            return;
        }
        control.fill((byte) 0);
        header.set(ADDRESS, CONTROL_OFFSET, control);
        header.set(JAVA_LONG, CONTROLLEN_OFFSET, control.byteSize());
    }

    /** Attaches {@code fds} as {@code SCM_RIGHTS} to the next {@code sendmsg}. */
    public void descriptors(int... fds) {
        if (fds.length == 0) {
            header.set(ADDRESS, CONTROL_OFFSET, MemorySegment.NULL);
            header.set(JAVA_LONG, CONTROLLEN_OFFSET, 0);
            return;
        }
        if (fds.length > descriptorsMax) {
            throw new IllegalArgumentException(fds.length + " descriptors; this header has room for "
                    + descriptorsMax);
        }
        control.fill((byte) 0);
        control.set(JAVA_LONG, 0, CMSG_HEADER_BYTES + 4L * fds.length);
        control.set(JAVA_INT, 8, LibcSockets.SOL_SOCKET);
        control.set(JAVA_INT, 12, LibcSockets.SCM_RIGHTS);
        for (int i = 0; i < fds.length; i++) {
            control.set(JAVA_INT, CMSG_HEADER_BYTES + 4L * i, fds[i]);
        }
        header.set(ADDRESS, CONTROL_OFFSET, control);
        header.set(JAVA_LONG, CONTROLLEN_OFFSET, controlSpace(fds.length));
    }

    /** {@code msg_flags} after a {@code recvmsg}. */
    public int flags() {
        return header.get(JAVA_INT, FLAGS_OFFSET);
    }

    /**
     * The descriptors a {@code recvmsg} received (empty when none). Every control message is walked with its length
     * checked against what the kernel reported, so a malformed one yields what was well formed before it.
     */
    public int[] receivedDescriptors() {
        if (descriptorsMax == 0) {
            return new int[0];
        }
        long controlLength = header.get(JAVA_LONG, CONTROLLEN_OFFSET);
        controlLength = Math.min(controlLength, control.byteSize());
        int[] found = new int[descriptorsMax];
        int count = 0;
        long offset = 0;
        while (offset + CMSG_HEADER_BYTES <= controlLength) {
            long length = control.get(JAVA_LONG, offset);
            if (length < CMSG_HEADER_BYTES || offset + length > controlLength) {
                break;
            }
            int level = control.get(JAVA_INT, offset + 8);
            int type = control.get(JAVA_INT, offset + 12);
            if (level == LibcSockets.SOL_SOCKET && type == LibcSockets.SCM_RIGHTS) {
                long n = (length - CMSG_HEADER_BYTES) / 4;
                for (long i = 0; i < n && count < found.length; i++) {
                    found[count++] = control.get(JAVA_INT, offset + CMSG_HEADER_BYTES + 4 * i);
                }
            }
            offset += (length + 7) & ~7L;
        }
        return java.util.Arrays.copyOf(found, count);
    }
}
