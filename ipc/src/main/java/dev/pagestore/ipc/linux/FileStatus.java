package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * What {@code statx(2)} says about a file: which inode it is, how many names it has, whose it is and its mode.
 *
 * <p>Why through a descriptor as well as a path: a process that locked a file or directory holds its descriptor, and
 * the descriptor keeps naming the same inode after the path is deleted or made to name another one. Comparing
 * {@link #of(int)} with {@link #ofPath(Path)} tells a process that still holds a lock whether the path it locked still
 * leads to what it locked ({@link #sameFileAs}), and {@link #linkCount()} of 0 says the file or directory was deleted.
 *
 * <pre>
 *  struct statx (include/uapi/linux/stat.h, identical on x86_64 and aarch64), the fields read here:
 *   offset  size  field
 *        0     4  stx_mask
 *       16     4  stx_nlink
 *       20     4  stx_uid
 *       28     2  stx_mode        file type and permission bits
 *       32     8  stx_ino
 *      136     4  stx_dev_major
 *      140     4  stx_dev_minor
 * </pre>
 *
 * @param deviceMajor the major number of the device holding the file
 * @param deviceMinor its minor number
 * @param inode       the inode number, unique on that device while the file exists
 * @param linkCount   names the file has; 0 once a file is unlinked (or a directory removed) while still open
 * @param uid         the owner's user id
 * @param mode        type and permission bits, as {@code st_mode}
 */
public record FileStatus(int deviceMajor, int deviceMinor, long inode, int linkCount, int uid, int mode) {
    private static final int STATX_SIZE = 256;
    private static final long STX_NLINK_OFFSET = 16;
    private static final long STX_UID_OFFSET = 20;
    private static final long STX_MODE_OFFSET = 28;
    private static final long STX_INO_OFFSET = 32;
    private static final long STX_DEV_MAJOR_OFFSET = 136;
    private static final long STX_DEV_MINOR_OFFSET = 140;
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_BASIC_STATS = 0x7ff;

    /** {@code S_IFMT}: the file type bits of {@link #mode}. */
    public static final int TYPE_MASK = 0170000;
    public static final int TYPE_DIRECTORY = 0040000;
    public static final int TYPE_REGULAR = 0100000;
    public static final int TYPE_SYMLINK = 0120000;

    /** The file {@code fd} is open on, whatever its path is now. */
    public static FileStatus of(int fd) throws ErrnoException {
        return statx(fd, "", AT_EMPTY_PATH, "fd " + fd);
    }

    /** The file {@code path} names now, not following a symbolic link in its last component. */
    public static FileStatus ofPath(Path path) throws ErrnoException {
        return statx(AT_FDCWD, path.toString(), AT_SYMLINK_NOFOLLOW, path.toString());
    }

    private static FileStatus statx(int directoryFd, String path, int flags, String subject) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(STATX_SIZE, 8);
            MemorySegment cPath = arena.allocateFrom(path);
            Libc.check(Libc.syscall(Arch.CURRENT.sysStatx, directoryFd, cPath.address(), flags, STATX_BASIC_STATS,
                    buffer.address(), 0), "statx", subject);
            return new FileStatus(buffer.get(JAVA_INT, STX_DEV_MAJOR_OFFSET), buffer.get(JAVA_INT, STX_DEV_MINOR_OFFSET),
                    buffer.get(JAVA_LONG, STX_INO_OFFSET), buffer.get(JAVA_INT, STX_NLINK_OFFSET),
                    buffer.get(JAVA_INT, STX_UID_OFFSET), Short.toUnsignedInt(buffer.get(JAVA_SHORT, STX_MODE_OFFSET)));
        }
    }

    /** Whether {@code other} is the same inode on the same device. */
    public boolean sameFileAs(FileStatus other) {
        return other != null && inode == other.inode && deviceMajor == other.deviceMajor
                && deviceMinor == other.deviceMinor;
    }

    /** The permission bits ({@code 07777}). */
    public int permissions() {
        return mode & 07777;
    }

    public boolean isDirectory() {
        return (mode & TYPE_MASK) == TYPE_DIRECTORY;
    }

    public boolean isRegularFile() {
        return (mode & TYPE_MASK) == TYPE_REGULAR;
    }

    public boolean isSymbolicLink() {
        return (mode & TYPE_MASK) == TYPE_SYMLINK;
    }
}
