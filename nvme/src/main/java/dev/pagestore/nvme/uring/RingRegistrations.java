package dev.pagestore.nvme.uring;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.IoUringSyscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files and buffers registered with one ring ({@code IORING_REGISTER_FILES}; {@code IORING_REGISTER_BUFFERS} for a
 * whole table at once, or a sparse table whose entries {@link OwnerRing} sets and clears while the ring runs), with
 * the fallback to plain descriptors and buffer addresses when the kernel refuses, said once per JVM in the log.
 * Reached through {@link IoUring#registrations()}; owner thread only, like its ring, which checks it.
 */
public final class RingRegistrations {
    private static final Logger LOG = LoggerFactory.getLogger(IoUring.class);
    private static final AtomicBoolean LOGGED_BUFFER_FALLBACK = new AtomicBoolean();
    private static final AtomicBoolean LOGGED_FILE_FALLBACK = new AtomicBoolean();

    /** {@code IORING_MAX_REG_BUFFERS}. */
    public static final int BUFFERS_MAX = 1 << 14;
    /** The kernel refuses a registered buffer larger than 1 GiB. */
    public static final long BUFFER_BYTES_MAX = 1L << 30;
    /** Entries of the sparse table {@link #setBuffer} fills: buffers attached to one ring at a time. */
    static final int ATTACHED_MAX = 1024;

    private final IoUring ring;
    private final int ringFd;
    private long[] bufferAddresses = new long[0];
    private long[] bufferSizes = new long[0];
    /** Entries [0, bufferScan) of the table may be in use: what {@link #fixedBufferIndex} looks through. */
    private int bufferScan;
    /** Whether the table is the sparse one {@link #setBuffer} fills entry by entry. */
    private boolean sparseTable;
    private int[] registeredFds = new int[0];
    private String bufferRegistrationFailure = "";

    RingRegistrations(IoUring ring, int ringFd) {
        this.ring = ring;
        this.ringFd = ringFd;
    }

    /**
     * Registers {@code fds} as the ring's file table ({@code IORING_REGISTER_FILES}); once per ring.
     *
     * @return one handle per descriptor, in order: registered ones use {@code IOSQE_FIXED_FILE}; when the kernel
     *         refuses registration the handles are unregistered and the fallback is logged once
     */
    public RingFile[] registerFiles(int... fds) {
        ring.checkUsable();
        Objects.requireNonNull(fds, "fds");
        if (fds.length == 0) {
            throw new IllegalArgumentException("fds is empty; nothing to register");
        }
        if (registeredFds.length > 0) {
            throw new IllegalStateException("ring fd=" + ringFd + " already has " + registeredFds.length
                    + " registered files");
        }
        RingFile[] files = new RingFile[fds.length];
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment table = scratch.allocate(4L * fds.length, 4);
            for (int i = 0; i < fds.length; i++) {
                if (fds[i] < 0) {
                    throw new IllegalArgumentException("fds[" + i + "]=" + fds[i] + " is not a file descriptor");
                }
                table.setAtIndex(JAVA_INT, i, fds[i]);
            }
            int result = IoUringSyscalls.register(ringFd, IoUringSyscalls.REGISTER_FILES, table.address(), fds.length);
            if (result < 0) {
                int errno = -result;
                if (errno == Errno.EBADF.number()) {
                    throw new IllegalArgumentException("io_uring_register(FILES): a descriptor in "
                            + java.util.Arrays.toString(fds) + " is not open (" + Errno.describe(errno) + ")");
                }
                if (LOGGED_FILE_FALLBACK.compareAndSet(false, true)) {
                    LOG.warn("io_uring: registering {} file(s) failed with {}; using plain descriptors "
                            + "(one file-table lookup per I/O)", fds.length, Errno.describe(errno));
                }
                for (int i = 0; i < fds.length; i++) {
                    files[i] = RingFile.unregistered(fds[i]);
                }
                return files;
            }
        }
        registeredFds = fds.clone();
        for (int i = 0; i < fds.length; i++) {
            files[i] = new RingFile(fds[i], i);
        }
        return files;
    }

    /**
     * Registers {@code buffers} as fixed buffers ({@code IORING_REGISTER_BUFFERS}); once per ring. Any later read or
     * write whose buffer lies inside one of them uses {@code READ_FIXED/WRITE_FIXED}. Buffers may live anywhere the
     * kernel can pin: the native heap, anonymous memory, {@code /dev/shm} mappings.
     *
     * @return {@code true} when registered; {@code false} when the kernel refused (for example {@code ENOMEM} from
     *         {@code RLIMIT_MEMLOCK}, or memory it cannot pin), in which case I/O uses plain buffer addresses, the
     *         fallback is logged once and {@link #bufferRegistrationFailure()} says why
     */
    public boolean registerBuffers(MemorySegment... buffers) {
        ring.checkUsable();
        Objects.requireNonNull(buffers, "buffers");
        if (buffers.length == 0 || buffers.length > BUFFERS_MAX) {
            throw new IllegalArgumentException("buffers.length=" + buffers.length + " must be in [1, "
                    + BUFFERS_MAX + "]");
        }
        if (bufferAddresses.length > 0) {
            throw new IllegalStateException("ring fd=" + ringFd + " already has a table of " + bufferAddresses.length
                    + " registered buffers");
        }
        long[] addresses = new long[buffers.length];
        long[] sizes = new long[buffers.length];
        long totalBytes = 0;
        for (int i = 0; i < buffers.length; i++) {
            MemorySegment buffer = Objects.requireNonNull(buffers[i], "buffers[i]");
            if (!buffer.isNative() || buffer.byteSize() == 0) {
                throw new IllegalArgumentException("buffers[" + i + "]=" + buffer + " must be a non-empty native segment");
            }
            addresses[i] = buffer.address();
            sizes[i] = buffer.byteSize();
            totalBytes += sizes[i];
        }
        int result;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment iovecs = scratch.allocate(16L * buffers.length, 8);
            for (int i = 0; i < buffers.length; i++) {
                iovecs.set(JAVA_LONG, 16L * i, addresses[i]);        // iov_base
                iovecs.set(JAVA_LONG, 16L * i + 8, sizes[i]);        // iov_len
            }
            result = IoUringSyscalls.register(ringFd, IoUringSyscalls.REGISTER_BUFFERS, iovecs.address(),
                    buffers.length);
        }
        if (result < 0) {
            return refused(result, buffers.length, totalBytes);
        }
        bufferAddresses = addresses;
        bufferSizes = sizes;
        bufferScan = addresses.length;
        return true;
    }

    /**
     * Registers {@code buffer} as entry {@code index} of a sparse buffer table of {@link #ATTACHED_MAX} entries, made
     * at the first call ({@code IORING_REGISTER_BUFFERS2} with {@code IORING_RSRC_REGISTER_SPARSE}, then
     * {@code IORING_REGISTER_BUFFERS_UPDATE}; Linux 5.19+). Entries come and go while the ring runs: replacing one
     * never waits for I/O in flight, which keeps the pages it pinned until it completes.
     *
     * @return whether the kernel took it; when not (memory limit, an old kernel, memory it cannot pin) I/O into the
     *         buffer uses plain addresses, the fallback is logged once and {@link #bufferRegistrationFailure()} says
     *         why
     */
    boolean setBuffer(int index, MemorySegment buffer) {
        ring.checkUsable();
        if (!sparseTable) {
            if (bufferAddresses.length > 0) {
                throw new IllegalStateException("ring fd=" + ringFd + " has a whole table registered already");
            }
            int result = registerSparse();
            if (result < 0) {
                return refused(result, 1, buffer.byteSize());
            }
            bufferAddresses = new long[ATTACHED_MAX];
            bufferSizes = new long[ATTACHED_MAX];
            sparseTable = true;
        }
        Objects.checkIndex(index, bufferAddresses.length);
        int result = update(index, buffer.address(), buffer.byteSize());
        if (result < 0) {
            return refused(result, 1, buffer.byteSize());
        }
        bufferAddresses[index] = buffer.address();
        bufferSizes[index] = buffer.byteSize();
        bufferScan = Math.max(bufferScan, index + 1);
        return true;
    }

    /** Empties entry {@code index} of {@link #setBuffer} (nothing when empty); I/O in flight keeps its pages. */
    void clearBuffer(int index) {
        ring.checkUsable();
        if (!sparseTable || index >= bufferAddresses.length || bufferSizes[index] == 0) {
            return;
        }
        logIfFailed(update(index, 0, 0), "clear buffer " + index);
        bufferAddresses[index] = 0;
        bufferSizes[index] = 0;
        while (bufferScan > 0 && bufferSizes[bufferScan - 1] == 0) {
            bufferScan--;
        }
    }

    private int registerSparse() {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment register = scratch.allocate(IoUringSyscalls.RSRC_STRUCT_BYTES, 8);
            register.set(JAVA_INT, 0, ATTACHED_MAX);                               // nr
            register.set(JAVA_INT, 4, IoUringSyscalls.RSRC_REGISTER_SPARSE);      // flags
            return IoUringSyscalls.register(ringFd, IoUringSyscalls.REGISTER_BUFFERS2, register.address(),
                    IoUringSyscalls.RSRC_STRUCT_BYTES);
        }
    }

    private int update(int index, long address, long bytes) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment iovec = scratch.allocate(16, 8);
            iovec.set(JAVA_LONG, 0, address);
            iovec.set(JAVA_LONG, 8, bytes);
            MemorySegment update = scratch.allocate(IoUringSyscalls.RSRC_STRUCT_BYTES, 8);
            update.set(JAVA_INT, 0, index);                                        // offset
            update.set(JAVA_LONG, 8, iovec.address());                             // data
            update.set(JAVA_INT, 24, 1);                                           // nr
            return IoUringSyscalls.register(ringFd, IoUringSyscalls.REGISTER_BUFFERS_UPDATE, update.address(),
                    IoUringSyscalls.RSRC_STRUCT_BYTES);
        }
    }

    private boolean refused(int result, int count, long bytes) {
        int errno = -result;
        if (errno == Errno.EBUSY.number() || errno == Errno.EBADF.number()) {
            throw new IllegalStateException("io_uring_register(BUFFERS) on ring fd=" + ringFd + ": "
                    + Errno.describe(errno));
        }
        // ENOMEM (RLIMIT_MEMLOCK), EFAULT/EOPNOTSUPP (memory that cannot be pinned long-term), EINVAL (a buffer
        // over 1 GiB, an old kernel): all leave the ring fully usable with plain buffer addresses.
        bufferRegistrationFailure = Errno.describe(errno);
        if (LOGGED_BUFFER_FALLBACK.compareAndSet(false, true)) {
            LOG.warn("io_uring: registering {} buffer(s) of {} bytes failed with {}; using unregistered reads and "
                    + "writes (IORING_OP_READ/WRITE), which pin pages on every I/O. For fixed buffers raise "
                    + "RLIMIT_MEMLOCK (ulimit -l) or register memory the kernel can pin (anonymous or /dev/shm).",
                    count, bytes, bufferRegistrationFailure);
        }
        return false;
    }

    /** Why the last {@link #registerBuffers} or {@link #setBuffer} fell back, or empty. */
    public String bufferRegistrationFailure() {
        return bufferRegistrationFailure;
    }

    public boolean buffersRegistered() {
        return bufferScan > 0;
    }

    public boolean filesRegistered() {
        return registeredFds.length > 0;
    }

    /** The registered buffer containing {@code [address, address+length)}, or -1. */
    int fixedBufferIndex(long address, long length) {
        // A scan of the entries in use: as many as channels a reactor serves, handles taken lowest first.
        long[] starts = bufferAddresses;
        for (int i = 0; i < bufferScan; i++) {
            long end = starts[i] + bufferSizes[i];
            if (address >= starts[i] && address < end) {
                if (address + length > end) {
                    throw new IllegalArgumentException("buffer [0x" + Long.toHexString(address) + ", +" + length
                            + ") starts inside registered buffer " + i + " but runs past its end 0x"
                            + Long.toHexString(end));
                }
                return i;
            }
        }
        return -1;
    }

    /** The SQE fd field for {@code file}: its registered index, or its descriptor. */
    int fileDescriptorField(RingFile file) {
        Objects.requireNonNull(file, "file");
        if (file.registered()) {
            if (file.fixedIndex() >= registeredFds.length || registeredFds[file.fixedIndex()] != file.fd()) {
                throw new IllegalArgumentException(file + " is not registered with ring fd=" + ringFd);
            }
            return file.fixedIndex();
        }
        return file.fd();
    }

    /** Unregisters whatever is registered (close path); failures are logged, not thrown. */
    void unregisterAll() {
        if (bufferAddresses.length > 0) {
            logIfFailed(IoUringSyscalls.register(ringFd, IoUringSyscalls.UNREGISTER_BUFFERS, 0, 0), "unregister buffers");
            bufferAddresses = new long[0];
            bufferSizes = new long[0];
            bufferScan = 0;
            sparseTable = false;
        }
        if (registeredFds.length > 0) {
            logIfFailed(IoUringSyscalls.register(ringFd, IoUringSyscalls.UNREGISTER_FILES, 0, 0), "unregister files");
            registeredFds = new int[0];
        }
    }

    private void logIfFailed(int result, String what) {
        if (result < 0) {
            LOG.warn("io_uring ring fd={}: {} failed: {}", ringFd, what, Errno.describe(-result));
        }
    }
}
