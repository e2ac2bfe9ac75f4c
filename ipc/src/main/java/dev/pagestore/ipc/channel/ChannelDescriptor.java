package dev.pagestore.ipc.channel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.pagestore.ipc.linux.ProcessIdentity;
import dev.pagestore.ipc.memory.OrderedAccess;
import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.ipc.ring.RingDescriptor;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * Layout of a channel (one per worker: a sealed memfd, or {@code /dev/shm/NAME} in ring tests and benchmarks): a 4 KiB
 * header, the request ring, the completion ring, and the buffer slab. The size is fixed by the parameters and, for a
 * memfd, sealed, so the mapping can never shrink under the manager; every field is still validated on attach.
 *
 * <pre>
 *  file offset                     size                             content
 *  ------------------------------  -------------------------------  -------------------------------------------------
 *  0                               4096                             header (below)
 *  requestRingOffset   = 4096      640 + requestCapacity * 64       request ring  (worker produces, manager consumes)
 *  completionRingOffset (4096-al.) 640 + completionCapacity * 32    completion ring (manager produces, worker consumes)
 *  slabOffset (max(4096,page)-al.) slotCount * pageSize             buffer slot i at slabOffset + i * pageSize
 *  totalSizeBytes = slabOffset + slotCount * pageSize
 *
 *  header:
 *  offset  size  field                      written by          notes
 *  ------  ----  -------------------------  ------------------  -----------------------------------------------
 *       0     8  magic "PGSCHAN\0"          manager (create)    {@link #MAGIC}
 *       8     4  layoutVersion              manager             {@link #LAYOUT_VERSION}
 *      12     4  headerSizeBytes            manager             4096
 *      16     4  pageSizeBytes              manager             4096, 8192 or 16384
 *      20     4  slotCount                  manager
 *      24     4  requestRingCapacity        manager             power of two
 *      28     4  requestEntrySizeBytes      manager             64 ({@link RequestDescriptor#SIZE_BYTES})
 *      32     4  completionRingCapacity     manager             power of two
 *      36     4  completionEntrySizeBytes   manager             32 ({@link CompletionDescriptor#SIZE_BYTES})
 *      40     8  requestRingOffset          manager
 *      48     8  completionRingOffset       manager
 *      56     8  slabOffset                 manager
 *      64     8  totalSizeBytes             manager             must equal the file size
 *      72     8  creatorPid                 manager
 *      80     8  creatorStartTimeTicks      manager             /proc/PID/stat field 22
 *      88    40  reserved (zero)
 *     128     8  attacherPid                worker (attach)     0 until attached
 *     136     8  attacherStartTimeTicks     worker (attach)
 *     144   112  reserved (zero)
 *     256     4  state                      both, by CAS        {@link #STATE_INITIALISING} .. {@link #STATE_CLOSED}
 *     260   252  reserved (zero)
 *     512     8  lifelineLink               manager only        robust futex entry ({@link Lifeline}): the link
 *                                                                  of the manager's robust list; never read by Java
 *     520     4  lifelineWord               manager, worker     0 free, else manager thread id | WAITERS | OWNER_DIED
 *     524    52  reserved (zero)
 *     576    64  reserved (zero)
 *     640     8  workerFigure 0             worker              figures the worker reports of itself, for the
 *     648     8  workerFigure 1             worker              manager's status only ({@link #WORKER_FIGURES}):
 *     656     8  workerFigure 2             worker              never trusted, never acted on
 *     664  3432  reserved (zero)
 * </pre>
 *
 * <h2>Design</h2>
 * The manager writes every header field with plain stores and the state word last with a release store
 * ({@code INITIALISING -> CREATED}); the worker reads the state with an acquire load before any other field, then moves
 * it {@code CREATED -> ATTACHED} with a CAS, so two workers can never attach one channel. The worker-written block
 * (attacher identity) sits two cache lines away from the manager's fields, and the state word two lines further. The
 * rings start on 4096-byte boundaries; the slab starts on a file offset aligned to {@code max(4096, pageSize)}; since a
 * mapping starts on a 4096-byte page, every buffer sits at a 4096-aligned address, which is what {@code O_DIRECT} and
 * io_uring fixed buffers ask of memory. Offsets and sizes are stored even though
 * they follow from the parameters: attach recomputes them and refuses any difference, which catches a corrupt or
 * foreign header before a ring is touched.
 */
public final class ChannelDescriptor {
    /** "PGSCHAN\0" read as a little-endian long. */
    public static final long MAGIC = 0x004E414843534750L;
    /** Bytes 28-31 of a request and 24-31 of a completion are reserved (zero) in this layout. */
    public static final int LAYOUT_VERSION = 3;
    public static final int HEADER_SIZE_BYTES = 4096;
    /** Alignment of the rings and the smallest alignment of the slab: a page, and O_DIRECT's usual requirement. */
    public static final int SECTION_ALIGNMENT_BYTES = 4096;

    public static final int STATE_INITIALISING = 0;
    public static final int STATE_CREATED = 1;
    public static final int STATE_ATTACHED = 2;
    public static final int STATE_DETACHED = 3;
    public static final int STATE_CLOSED = 4;

    public static final long MAGIC_OFFSET;
    public static final long LAYOUT_VERSION_OFFSET;
    public static final long HEADER_SIZE_OFFSET;
    public static final long PAGE_SIZE_OFFSET;
    public static final long SLOT_COUNT_OFFSET;
    public static final long REQUEST_RING_CAPACITY_OFFSET;
    public static final long REQUEST_ENTRY_SIZE_OFFSET;
    public static final long COMPLETION_RING_CAPACITY_OFFSET;
    public static final long COMPLETION_ENTRY_SIZE_OFFSET;
    public static final long REQUEST_RING_OFFSET_OFFSET;
    public static final long COMPLETION_RING_OFFSET_OFFSET;
    public static final long SLAB_OFFSET_OFFSET;
    public static final long TOTAL_SIZE_OFFSET;
    public static final long CREATOR_PID_OFFSET;
    public static final long CREATOR_START_TIME_OFFSET;
    public static final long ATTACHER_PID_OFFSET;
    public static final long ATTACHER_START_TIME_OFFSET;
    public static final long STATE_OFFSET;
    public static final long LIFELINE_OFFSET;
    /**
     * Where the worker reports figures of its own for {@code pagestore stat}, on a cache line of their own: u64
     * words the worker writes (its manager-watch thread, with release stores) and the manager's status thread copies
     * into the status region. A page cache reports its hits, misses and evictions here ({@link #WORKER_FIGURE_COUNT} words).
     */
    public static final long WORKER_FIGURES = 640;
    public static final int WORKER_FIGURE_COUNT = 3;

    static {
        long offset = 0;
        MAGIC_OFFSET = offset;
        offset += Long.BYTES;
        LAYOUT_VERSION_OFFSET = offset;
        offset += Integer.BYTES;
        HEADER_SIZE_OFFSET = offset;
        offset += Integer.BYTES;
        PAGE_SIZE_OFFSET = offset;
        offset += Integer.BYTES;
        SLOT_COUNT_OFFSET = offset;
        offset += Integer.BYTES;
        REQUEST_RING_CAPACITY_OFFSET = offset;
        offset += Integer.BYTES;
        REQUEST_ENTRY_SIZE_OFFSET = offset;
        offset += Integer.BYTES;
        COMPLETION_RING_CAPACITY_OFFSET = offset;
        offset += Integer.BYTES;
        COMPLETION_ENTRY_SIZE_OFFSET = offset;
        offset += Integer.BYTES;
        REQUEST_RING_OFFSET_OFFSET = offset;
        offset += Long.BYTES;
        COMPLETION_RING_OFFSET_OFFSET = offset;
        offset += Long.BYTES;
        SLAB_OFFSET_OFFSET = offset;
        offset += Long.BYTES;
        TOTAL_SIZE_OFFSET = offset;
        offset += Long.BYTES;
        CREATOR_PID_OFFSET = offset;
        offset += Long.BYTES;
        CREATOR_START_TIME_OFFSET = offset;
        offset += Long.BYTES;
        assert offset <= RingDescriptor.SEPARATION_BYTES : "manager block overflows into the worker block: " + offset;
        offset = RingDescriptor.SEPARATION_BYTES;  // worker-written block, two cache lines from the manager's
        ATTACHER_PID_OFFSET = offset;
        offset += Long.BYTES;
        ATTACHER_START_TIME_OFFSET = offset;
        offset += Long.BYTES;
        offset = 2L * RingDescriptor.SEPARATION_BYTES;  // state word, CAS'd by both sides, on lines of its own
        STATE_OFFSET = offset;
        offset += Integer.BYTES;
        offset = 4L * RingDescriptor.SEPARATION_BYTES;  // lifeline mutex: its futex word is written on every lock
        LIFELINE_OFFSET = offset;
        offset += 64;  // a 16-byte robust futex entry on a cache line of its own
        assert dev.pagestore.ipc.linux.RobustFutexList.ENTRY_BYTES <= 64;
        assert WORKER_FIGURES >= LIFELINE_OFFSET + RingDescriptor.SEPARATION_BYTES
                && WORKER_FIGURES % 64 == 0 && WORKER_FIGURES + WORKER_FIGURE_COUNT * 8L <= HEADER_SIZE_BYTES
                : "the worker's figures sit on a line of their own, past the lifeline's pair of lines";

        assert offset <= HEADER_SIZE_BYTES;
        assert TOTAL_SIZE_OFFSET == 64 && CREATOR_START_TIME_OFFSET == 80 && ATTACHER_PID_OFFSET == 128
                && STATE_OFFSET == 256 && LIFELINE_OFFSET == 512 : "offsets drifted from the diagram";
        assert REQUEST_RING_OFFSET_OFFSET % 8 == 0 && CREATOR_PID_OFFSET % 8 == 0 && ATTACHER_PID_OFFSET % 8 == 0;
        assert RequestDescriptor.SIZE_BYTES == 64 && CompletionDescriptor.SIZE_BYTES == 32;
        assert MAGIC == readMagicBytes() : "MAGIC must spell PGSCHAN\\0";
    }

    private ChannelDescriptor() {
    }

    /** Where each section of a channel with given parameters starts, and the file size. */
    public record Layout(long requestRingOffset, long completionRingOffset, long slabOffset, long totalSizeBytes) {
    }

    /** Computes the layout of a channel with {@code parameters}, step by step. */
    public static Layout layoutOf(ChannelParameters parameters) {
        long offset = HEADER_SIZE_BYTES;
        long requestRingOffset = offset;
        offset += RingDescriptor.requiredBytes(parameters.requestRingCapacity(), RequestDescriptor.SIZE_BYTES);
        offset = alignUp(offset, SECTION_ALIGNMENT_BYTES);
        long completionRingOffset = offset;
        offset += RingDescriptor.requiredBytes(parameters.completionRingCapacity(), CompletionDescriptor.SIZE_BYTES);
        offset = alignUp(offset, Math.max(SECTION_ALIGNMENT_BYTES, parameters.pageSizeBytes()));
        long slabOffset = offset;
        offset += (long) parameters.slotCount() * parameters.pageSizeBytes();
        return new Layout(requestRingOffset, completionRingOffset, slabOffset, offset);
    }

    /** Writes the manager's header fields (not the state word); the caller then publishes with the state. */
    static void writeHeader(MemorySegment channel, ChannelParameters parameters, Layout layout,
            ProcessIdentity creator) {
        channel.set(JAVA_LONG, MAGIC_OFFSET, MAGIC);
        channel.set(JAVA_INT, LAYOUT_VERSION_OFFSET, LAYOUT_VERSION);
        channel.set(JAVA_INT, HEADER_SIZE_OFFSET, HEADER_SIZE_BYTES);
        channel.set(JAVA_INT, PAGE_SIZE_OFFSET, parameters.pageSizeBytes());
        channel.set(JAVA_INT, SLOT_COUNT_OFFSET, parameters.slotCount());
        channel.set(JAVA_INT, REQUEST_RING_CAPACITY_OFFSET, parameters.requestRingCapacity());
        channel.set(JAVA_INT, REQUEST_ENTRY_SIZE_OFFSET, RequestDescriptor.SIZE_BYTES);
        channel.set(JAVA_INT, COMPLETION_RING_CAPACITY_OFFSET, parameters.completionRingCapacity());
        channel.set(JAVA_INT, COMPLETION_ENTRY_SIZE_OFFSET, CompletionDescriptor.SIZE_BYTES);
        channel.set(JAVA_LONG, REQUEST_RING_OFFSET_OFFSET, layout.requestRingOffset());
        channel.set(JAVA_LONG, COMPLETION_RING_OFFSET_OFFSET, layout.completionRingOffset());
        channel.set(JAVA_LONG, SLAB_OFFSET_OFFSET, layout.slabOffset());
        channel.set(JAVA_LONG, TOTAL_SIZE_OFFSET, layout.totalSizeBytes());
        channel.set(JAVA_LONG, CREATOR_PID_OFFSET, creator.pid());
        channel.set(JAVA_LONG, CREATOR_START_TIME_OFFSET, creator.startTimeTicks());
    }

    /** Records the worker that attached, after its {@code CREATED -> ATTACHED} exchange won. */
    static void writeAttacher(MemorySegment channel, ProcessIdentity attacher) {
        channel.set(JAVA_LONG, ATTACHER_START_TIME_OFFSET, attacher.startTimeTicks());
        // Release: the start time is visible no later than the pid that names it (diagnostics read pid first).
        OrderedAccess.setLongRelease(channel, ATTACHER_PID_OFFSET, attacher.pid());
    }

    /** The manager that created the channel, as its header records it; empty if the fields hold garbage. */
    static Optional<ProcessIdentity> creator(MemorySegment channel) {
        return readProcess(channel, CREATOR_PID_OFFSET, CREATOR_START_TIME_OFFSET);
    }

    /** The worker that attached, as the header records it; empty before attach or if the fields hold garbage. */
    static Optional<ProcessIdentity> attacher(MemorySegment channel) {
        return readProcess(channel, ATTACHER_PID_OFFSET, ATTACHER_START_TIME_OFFSET);
    }

    private static Optional<ProcessIdentity> readProcess(MemorySegment channel, long pidOffset, long startOffset) {
        long pid = OrderedAccess.getLongAcquire(channel, pidOffset);
        long start = channel.get(JAVA_LONG, startOffset);
        // Validated: written by another process, so it may hold anything.
        if (pid <= 0 || pid > ProcessIdentity.PID_MAX || (start < 0 && start != ProcessIdentity.UNKNOWN_START_TIME)) {
            return Optional.empty();
        }
        return Optional.of(new ProcessIdentity(pid, start));
    }

    /**
     * Validates the header of a mapped file and returns the parameters it holds. Reads the state word first (acquire),
     * then every field once, and checks each against the layout these parameters imply. Does not check the state's
     * value (the caller decides which states it accepts).
     *
     * @param expected the parameters the attacher was told, or {@code null} to accept any legal ones
     * @throws ChannelFormatException naming what was expected and what was found
     */
    public static ChannelParameters checkHeader(MemorySegment channel, String name, ChannelParameters expected)
            throws ChannelFormatException {
        long fileSize = channel.byteSize();
        if (fileSize < HEADER_SIZE_BYTES) {
            throw new ChannelFormatException(ChannelFormatException.Reason.TRUNCATED, "channel " + name
                    + " is truncated: expected at least a " + HEADER_SIZE_BYTES + "-byte header, found a file of "
                    + fileSize + " bytes");
        }
        int state = stateAcquire(channel);  // acquire: the creator's header stores are visible after this
        long magic = channel.get(JAVA_LONG, MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw new ChannelFormatException(ChannelFormatException.Reason.NOT_A_CHANNEL, "file " + name
                    + " is not a pagestore channel: expected magic 0x" + Long.toHexString(MAGIC) + " (\"PGSCHAN\"),"
                    + " found 0x" + Long.toHexString(magic) + (state == STATE_INITIALISING && magic == 0
                    ? " (all zero: maybe its creator has not finished)" : ""));
        }
        int version = channel.get(JAVA_INT, LAYOUT_VERSION_OFFSET);
        if (version != LAYOUT_VERSION) {
            throw new ChannelFormatException(ChannelFormatException.Reason.VERSION_MISMATCH, "channel " + name
                    + ": expected layout version " + LAYOUT_VERSION + ", found " + version);
        }
        expectInt(channel, name, HEADER_SIZE_OFFSET, "headerSizeBytes", HEADER_SIZE_BYTES);
        expectInt(channel, name, REQUEST_ENTRY_SIZE_OFFSET, "requestEntrySizeBytes", RequestDescriptor.SIZE_BYTES);
        expectInt(channel, name, COMPLETION_ENTRY_SIZE_OFFSET, "completionEntrySizeBytes",
                CompletionDescriptor.SIZE_BYTES);
        int pageSize = channel.get(JAVA_INT, PAGE_SIZE_OFFSET);
        int slotCount = channel.get(JAVA_INT, SLOT_COUNT_OFFSET);
        int requestCapacity = channel.get(JAVA_INT, REQUEST_RING_CAPACITY_OFFSET);
        int completionCapacity = channel.get(JAVA_INT, COMPLETION_RING_CAPACITY_OFFSET);
        ChannelParameters found;
        try {
            found = new ChannelParameters(pageSize, requestCapacity, completionCapacity, slotCount);
        } catch (IllegalArgumentException e) {
            throw new ChannelFormatException(ChannelFormatException.Reason.CORRUPT, "channel " + name
                    + " holds illegal parameters: " + e.getMessage(), e);
        }
        if (expected != null && !expected.equals(found)) {
            throw new ChannelFormatException(ChannelFormatException.Reason.PARAMETER_MISMATCH, "channel " + name
                    + ": expected " + expected + ", found " + found);
        }
        Layout layout = layoutOf(found);
        expectLong(channel, name, REQUEST_RING_OFFSET_OFFSET, "requestRingOffset", layout.requestRingOffset());
        expectLong(channel, name, COMPLETION_RING_OFFSET_OFFSET, "completionRingOffset",
                layout.completionRingOffset());
        expectLong(channel, name, SLAB_OFFSET_OFFSET, "slabOffset", layout.slabOffset());
        expectLong(channel, name, TOTAL_SIZE_OFFSET, "totalSizeBytes", layout.totalSizeBytes());
        if (fileSize < layout.totalSizeBytes()) {
            throw new ChannelFormatException(ChannelFormatException.Reason.TRUNCATED, "channel " + name
                    + " is truncated: expected " + layout.totalSizeBytes() + " bytes for " + found + ", found "
                    + fileSize);
        }
        if (fileSize > layout.totalSizeBytes()) {
            throw new ChannelFormatException(ChannelFormatException.Reason.CORRUPT, "channel " + name
                    + ": expected " + layout.totalSizeBytes() + " bytes for " + found + ", found a larger file of "
                    + fileSize + " bytes");
        }
        return found;
    }

    /** The state word, acquire load. */
    static int stateAcquire(MemorySegment channel) {
        return OrderedAccess.getIntAcquire(channel, STATE_OFFSET);
    }

    /** A state's name for messages; unknown values keep their number. */
    public static String stateName(int state) {
        return switch (state) {
            case STATE_INITIALISING -> "INITIALISING";
            case STATE_CREATED -> "CREATED";
            case STATE_ATTACHED -> "ATTACHED";
            case STATE_DETACHED -> "DETACHED";
            case STATE_CLOSED -> "CLOSED";
            default -> "UNKNOWN(" + state + ")";
        };
    }

    private static void expectInt(MemorySegment channel, String name, long offset, String field, int expected)
            throws ChannelFormatException {
        int found = channel.get(JAVA_INT, offset);
        if (found != expected) {
            throw new ChannelFormatException(ChannelFormatException.Reason.CORRUPT, "channel " + name + ": expected "
                    + field + "=" + expected + ", found " + found);
        }
    }

    private static void expectLong(MemorySegment channel, String name, long offset, String field, long expected)
            throws ChannelFormatException {
        long found = channel.get(JAVA_LONG, offset);
        if (found != expected) {
            throw new ChannelFormatException(ChannelFormatException.Reason.CORRUPT, "channel " + name + ": expected "
                    + field + "=" + expected + ", found " + found);
        }
    }

    static long alignUp(long value, long alignment) {
        assert Long.bitCount(alignment) == 1;
        return (value + alignment - 1) & -alignment;
    }

    private static long readMagicBytes() {
        byte[] text = "PGSCHAN\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return java.nio.ByteBuffer.wrap(text).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }
}
