package dev.pagestore.ipc.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A POSIX shared-memory region: a file under {@code /dev/shm} mapped {@code MAP_SHARED} as a {@link MemorySegment}.
 *
 * <p>Named regions are for tests, benchmarks and probes only. A name in {@code /dev/shm} can be opened by any process
 * of the same user (and squatted by anyone before it exists), and the file can be truncated under a mapping, which
 * then faults with {@code SIGBUS}; the manager and its workers use {@link MemfdRegion} instead.
 *
 * <p>The creator makes the file with mode 0600 (only the same user can attach), sizes it, and maps it; an attacher
 * maps an existing file. The mapping is page aligned. {@link #close()} unmaps (the shared arena is closed once, by
 * the owner of this object); {@link #unlink()} removes the name so nobody new can attach while existing mappings stay
 * valid, as with {@code shm_unlink(3)}.
 *
 * <p>Thread safety: the segment may be used from any thread; {@code close} must be called once, after every user.
 */
public final class SharedMemoryRegion implements MappedRegion {
    /** Where POSIX shared memory lives on Linux. */
    public static final Path SHM_ROOT = Path.of("/dev/shm");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,200}");
    private static final Set<java.nio.file.attribute.PosixFilePermission> OWNER_ONLY =
            PosixFilePermissions.fromString("rw-------");

    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;

    private SharedMemoryRegion(Path path, Arena arena, MemorySegment segment) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
    }

    /**
     * Creates {@code /dev/shm/NAME} with mode 0600 and {@code sizeBytes} of zeros, and maps it.
     *
     * @throws FileAlreadyExistsException when the name is taken
     */
    public static SharedMemoryRegion create(String name, long sizeBytes) throws IOException {
        return create(SHM_ROOT, name, sizeBytes);
    }

    /** As {@link #create(String, long)} in another directory (tests, or a tmpfs mounted elsewhere). */
    public static SharedMemoryRegion create(Path directory, String name, long sizeBytes) throws IOException {
        checkName(name);
        if (sizeBytes <= 0) {
            throw new IllegalArgumentException("sizeBytes=" + sizeBytes + " must be positive");
        }
        Path path = directory.resolve(name);
        // CREATE_NEW fails on an existing name before anything is created: only a file made here is removed below.
        FileChannel channel = FileChannel.open(path,
                EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        boolean success = false;
        try (channel) {
            Files.setPosixFilePermissions(path, OWNER_ONLY);  // umask cannot widen 0600, but say it explicitly
            channel.position(sizeBytes - 1).write(ByteBuffer.allocate(1));
            SharedMemoryRegion region = map(path, channel, sizeBytes);
            success = true;
            return region;
        } finally {
            if (!success) {
                Files.deleteIfExists(path);
            }
        }
    }

    /**
     * Maps an existing region whole.
     *
     * @throws NoSuchFileException when no region has that name
     */
    public static SharedMemoryRegion attach(String name) throws IOException {
        return attach(SHM_ROOT, name);
    }

    /** As {@link #attach(String)} in another directory. */
    public static SharedMemoryRegion attach(Path directory, String name) throws IOException {
        checkName(name);
        Path path = directory.resolve(name);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = channel.size();
            if (size == 0) {
                throw new IOException("shared memory region " + path + " is empty: its creator has not sized it yet,"
                        + " or it is not a pagestore region");
            }
            return map(path, channel, size);
        }
    }

    private static SharedMemoryRegion map(Path path, FileChannel channel, long size) throws IOException {
        Arena arena = Arena.ofShared();
        boolean success = false;
        try {
            MemorySegment segment = channel.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
            success = true;
            return new SharedMemoryRegion(path, arena, segment);
        } finally {
            if (!success) {
                arena.close();
            }
        }
    }

    private static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("shared memory name '" + name
                    + "' must be 1..200 characters of letters, digits, '.', '_' or '-'");
        }
    }

    /** The mapping, page aligned, {@link #sizeBytes()} long. */
    @Override
    public MemorySegment segment() {
        return segment;
    }

    public long sizeBytes() {
        return segment.byteSize();
    }

    public Path path() {
        return path;
    }

    /** The name under {@code /dev/shm}. */
    @Override
    public String name() {
        return path.getFileName().toString();
    }

    /** Removes the name; existing mappings stay valid. Idempotent. */
    public void unlink() throws IOException {
        Files.deleteIfExists(path);
    }

    /** Unmaps. Every access to {@link #segment()} after this throws {@link IllegalStateException}. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    /** Removes a region by name, whether or not anyone has it mapped; returns whether it existed. */
    public static boolean unlink(String name) throws IOException {
        checkName(name);
        return Files.deleteIfExists(SHM_ROOT.resolve(name));
    }
}
