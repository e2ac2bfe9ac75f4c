package dev.pagestore.ipc.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Shared memory with no name anywhere: a {@code memfd_create(2)} file, allocated up front, sealed, mapped
 * {@code MAP_SHARED}. The creator hands its descriptor to exactly the processes that need it (over a Unix socket,
 * {@code SCM_RIGHTS}); nobody else can find it.
 *
 * <h2>Why not a file in /dev/shm</h2>
 * Issue 14: a name is predictable, so any same-user process could open another worker's channel, and any local user
 * could create the name first; and a file that others can open can be truncated under the manager's mapping, whose
 * next access faults with {@code SIGBUS} (an {@code InternalError} in Java). A memfd is reachable only through its
 * descriptor, and its seals ({@code fcntl(2)}, "File Seals") bind every process that has it, whoever reopens it
 * through {@code /proc/PID/fd}:
 * <ul>
 *   <li>{@link #SIZE_SEALS} ({@code F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL}): the size is fixed for good, so every
 *       byte of every mapping stays backed; nobody can change the seals afterwards.</li>
 *   <li>{@link #READ_ONLY_SEALS} adds {@code F_SEAL_FUTURE_WRITE} (Linux 5.1+): no new writable mapping, no
 *       {@code write(2)}, no hole punching, while the creator's own mapping, made before the seal, stays writable.
 *       The receiver's read-only mapping cannot become writable either: the kernel clears {@code VM_MAYWRITE} on
 *       every shared mapping of the sealed file, so {@code mprotect} to writable fails ({@code EACCES}), a forced
 *       write through {@code /proc/PID/mem} fails ({@code EIO}), and a reopen through {@code /proc/PID/fd} or
 *       {@code /proc/PID/map_files} with {@code O_RDWR} still cannot be mapped writable ({@code EPERM})
 *       ({@code MemfdRegionTest#shouldNeverLetAReceiversReadOnlyMappingBecomeWritable},
 *       {@code #shouldRefuseAWritableMappingEvenThroughMapFiles}). A private mapping can be written, but it is a
 *       copy: nobody else sees it.</li>
 * </ul>
 * Every page is reserved with {@code fallocate(2)} before anyone maps it, so a memory shortage is a clear failure of
 * {@link #create} (ENOMEM or ENOSPC, an {@link ErrnoException}), never a {@code SIGBUS} at some later first touch.
 *
 * <h2>Ownership</h2>
 * The creator's region holds its descriptor until {@link #closeDescriptor()} or {@link #close()}; a mapped receiver
 * ({@link #map}) holds none: it closes the descriptor it was given as soon as the mapping exists, so that the file is
 * reachable in that process only through memory it already has. {@link #close()} unmaps (the segment's arena runs
 * {@code munmap}) and closes the descriptor if still held.
 *
 * <p>Thread safety: the segment may be used from any thread; {@link #close()} once, after every user.
 */
public final class MemfdRegion implements MappedRegion {
    /** The size can neither shrink nor grow, and the seals cannot change. */
    public static final int SIZE_SEALS = LibcMemory.F_SEAL_SHRINK | LibcMemory.F_SEAL_GROW | LibcMemory.F_SEAL_SEAL;
    /** As {@link #SIZE_SEALS}, and nobody can write it except through mappings made before the seal. */
    public static final int READ_ONLY_SEALS = SIZE_SEALS | LibcMemory.F_SEAL_FUTURE_WRITE;
    /** memfd names (shown in {@code /proc/PID/fd} and {@code /proc/PID/maps}) are at most 249 bytes. */
    private static final int NAME_BYTES_MAX = 249;

    private final String name;
    private final Arena arena;
    private final MemorySegment segment;
    private int descriptor;

    private MemfdRegion(String name, Arena arena, MemorySegment segment, int descriptor) {
        this.name = name;
        this.arena = arena;
        this.segment = segment;
        this.descriptor = descriptor;
    }

    /**
     * Creates a memfd of {@code sizeBytes} zeros named {@code name} (for diagnostics only: it is in no directory),
     * reserves every page, maps it read-write, then applies {@code seals} (for example {@link #SIZE_SEALS} or
     * {@link #READ_ONLY_SEALS}); this mapping stays writable whatever the seals.
     *
     * @throws ErrnoException ENOMEM or ENOSPC when the memory cannot be reserved (the message says how much and for
     *         what); ENOSYS or EINVAL when the kernel lacks memfd or a seal
     */
    public static MemfdRegion create(String name, long sizeBytes, int seals) throws IOException {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > NAME_BYTES_MAX
                || name.indexOf('/') >= 0) {
            throw new IllegalArgumentException("name='" + name + "' must be 1.." + NAME_BYTES_MAX
                    + " bytes without '/'");
        }
        if (sizeBytes <= 0) {
            throw new IllegalArgumentException("sizeBytes=" + sizeBytes + " must be positive");
        }
        if ((seals & ~READ_ONLY_SEALS & ~LibcMemory.F_SEAL_WRITE) != 0) {
            throw new IllegalArgumentException("seals=0x" + Integer.toHexString(seals) + " names unknown seals");
        }
        int fd = (int) Libc.check(LibcMemory.memfdCreate(name, LibcMemory.MFD_CLOEXEC | LibcMemory.MFD_ALLOW_SEALING),
                "memfd_create", name);
        boolean success = false;
        Arena arena = null;
        try {
            Libc.check(LibcFiles.ftruncate(fd, sizeBytes), "ftruncate", name + " to " + sizeBytes + " bytes");
            // Reserve every page now: a shortage is this call's failure, not a SIGBUS at a later first touch.
            int reserved = LibcFiles.fallocate(fd, 0, 0, sizeBytes);
            if (reserved < 0) {
                throw new ErrnoException("fallocate", "reserving " + sizeBytes + " bytes of shared memory for "
                        + name + " (is memory short, or a memory cgroup limit reached?)", -reserved);
            }
            arena = Arena.ofShared();
            MemorySegment segment = map(fd, name, sizeBytes, true, arena);
            Libc.check(LibcFiles.fcntl(fd, LibcMemory.F_ADD_SEALS, seals), "fcntl(F_ADD_SEALS)", name);
            MemfdRegion region = new MemfdRegion(name, arena, segment, fd);
            success = true;
            return region;
        } finally {
            if (!success) {
                if (arena != null) {
                    arena.close();
                }
                LibcFiles.close(fd);
            }
        }
    }

    /**
     * Maps a memfd received from another process, after checking that it carries at least {@code requiredSeals}
     * (so that it can never shrink under the mapping) and is not empty; read-write when {@code writable}, else
     * read-only. Takes ownership of {@code descriptor}: it is closed before this returns or throws.
     *
     * @param name a label for messages
     * @throws IOException naming what is wrong: not a sealable file, a missing seal, an empty file, a failed mmap
     */
    public static MemfdRegion map(int descriptor, String name, int requiredSeals, boolean writable)
            throws IOException {
        Objects.requireNonNull(name, "name");
        if (descriptor < 0) {
            throw new IllegalArgumentException("descriptor=" + descriptor + " is not a descriptor");
        }
        Arena arena = null;
        boolean success = false;
        try {
            int seals = LibcFiles.fcntl(descriptor, LibcMemory.F_GET_SEALS, 0);
            if (seals < 0) {
                throw new ErrnoException("fcntl(F_GET_SEALS)", name + " (descriptor " + descriptor
                        + "; a sealable memfd was expected)", -seals);
            }
            if ((seals & requiredSeals) != requiredSeals) {
                throw new IOException(name + ": expected seals 0x" + Integer.toHexString(requiredSeals)
                        + ", found 0x" + Integer.toHexString(seals) + ": its size could change under the mapping");
            }
            long size = Libc.check(LibcFiles.lseek(descriptor, 0, LibcFiles.SEEK_END), "lseek", name);
            if (size == 0) {
                throw new IOException(name + ": the shared memory file is empty");
            }
            arena = Arena.ofShared();
            MemorySegment segment = map(descriptor, name, size, writable, arena);
            MemfdRegion region = new MemfdRegion(name, arena, segment, -1);
            success = true;
            return region;
        } finally {
            if (!success && arena != null) {
                arena.close();
            }
            LibcFiles.close(descriptor);  // mapped or refused: this process keeps no way to reopen it
        }
    }

    private static MemorySegment map(int fd, String name, long size, boolean writable, Arena arena)
            throws ErrnoException {
        int protection = writable ? LibcMemory.PROT_READ | LibcMemory.PROT_WRITE : LibcMemory.PROT_READ;
        long address = Libc.check(LibcMemory.mmap(0, size, protection, LibcMemory.MAP_SHARED, fd, 0), "mmap",
                name + " (" + size + " bytes)");
        // The arena's close unmaps: no access can outlive the mapping.
        MemorySegment segment = MemorySegment.ofAddress(address).reinterpret(size, arena,
                ignored -> LibcMemory.munmap(address, size));
        // A Java store into a PROT_READ page would crash the JVM (SIGSEGV); a read-only segment refuses it instead.
        return writable ? segment : segment.asReadOnly();
    }

    @Override
    public MemorySegment segment() {
        return segment;
    }

    public long sizeBytes() {
        return segment.byteSize();
    }

    @Override
    public String name() {
        return name;
    }

    /** The creator's descriptor, to pass to another process; the region keeps owning it. */
    public synchronized int descriptor() {
        if (descriptor < 0) {
            throw new IllegalStateException(name + " holds no descriptor (a mapped receiver, or closed)");
        }
        return descriptor;
    }

    /** Closes the creator's descriptor (nothing more will be passed); the mapping stays. Idempotent. */
    public synchronized void closeDescriptor() {
        if (descriptor >= 0) {
            LibcFiles.close(descriptor);
            descriptor = -1;
        }
    }

    /** The seals the file carries now ({@code F_GET_SEALS}); creator side, while it holds the descriptor. */
    public synchronized int seals() throws ErrnoException {
        return (int) Libc.check(LibcFiles.fcntl(descriptor(), LibcMemory.F_GET_SEALS, 0), "fcntl(F_GET_SEALS)", name);
    }

    @Override
    public void close() {
        closeDescriptor();
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "memfd " + name + " (" + segment.byteSize() + " bytes)";
    }
}
