package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A {@code struct sockaddr_un} for {@code bind(2)} and {@code connect(2)}: either a path in the file system, or a name
 * in the <em>abstract</em> namespace ({@code unix(7)}), which has no file, cannot be deleted and exists exactly as long
 * as a socket is bound to it.
 *
 * <pre>
 *  offset  size  field
 *       0     2  sun_family  AF_UNIX
 *       2   108  sun_path    path bytes and NUL, or NUL then the abstract name (not NUL terminated)
 * </pre>
 *
 * @param bytes  the {@code sun_path} bytes that are used (for an abstract name, the leading NUL included)
 * @param text   how to name it in messages
 */
public record UnixSocketAddress(byte[] bytes, String text) {
    /** {@code sun_path} is 108 bytes; a path also needs its terminating NUL. */
    public static final int PATH_BYTES_MAX = 107;
    private static final long SUN_PATH_OFFSET = 2;

    /** A socket file at {@code path}. */
    public static UnixSocketAddress ofPath(Path path) {
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length == 0 || name.length > PATH_BYTES_MAX) {
            throw new IllegalArgumentException("socket path " + path + " is " + name.length
                    + " bytes; a Unix socket path holds 1.." + PATH_BYTES_MAX);
        }
        byte[] bytes = new byte[name.length + 1];  // with the NUL
        System.arraycopy(name, 0, bytes, 0, name.length);
        return new UnixSocketAddress(bytes, path.toString());
    }

    /** The abstract name {@code name} (shown as {@code @name}, as {@code ss -x} does). */
    public static UnixSocketAddress ofAbstract(String name) {
        byte[] text = name.getBytes(StandardCharsets.UTF_8);
        if (text.length == 0 || text.length > PATH_BYTES_MAX) {
            throw new IllegalArgumentException("abstract socket name '" + name + "' is " + text.length
                    + " bytes; it must be 1.." + PATH_BYTES_MAX);
        }
        byte[] bytes = new byte[text.length + 1];
        System.arraycopy(text, 0, bytes, 1, text.length);  // bytes[0] = NUL marks the abstract namespace
        return new UnixSocketAddress(bytes, "@" + name);
    }

    /** Encodes this address in {@code arena}. */
    public MemorySegment allocate(Arena arena) {
        MemorySegment address = arena.allocate(SUN_PATH_OFFSET + 108, 2);
        address.set(JAVA_SHORT, 0, (short) LibcSockets.AF_UNIX);
        MemorySegment.copy(bytes, 0, address, JAVA_BYTE, SUN_PATH_OFFSET, bytes.length);
        return address;
    }

    /** The length to pass with {@link #allocate}: the family, then only the bytes used. */
    public int length() {
        return (int) SUN_PATH_OFFSET + bytes.length;
    }

    @Override
    public String toString() {
        return text;
    }
}
