package dev.pagestore.manager;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The reactor's private page buffers: every accepted write is copied out of the worker's slot into one of these
 * before anything else looks at it, and the WAL record, the checksum check and the data-file write all read that copy.
 *
 * <h2>Why a copy</h2>
 * The worker can write its slot at any time, also after it posted the write. Read twice (once by the WAL writer, once
 * by the device), a slot changed in between made the log and the data file disagree, so that an acknowledged page read
 * back one content before a crash and another after recovery. One copy, taken once, is the only content the manager
 * ever logs and writes. It costs one memory copy per page, which is small beside the WAL's own copy and CRC.
 *
 * <h2>Shape</h2>
 * Size classes by page count (1, 2, 4, ... pages), each a free list of page-aligned native segments (O_DIRECT needs
 * the alignment), carved from chunks of an automatic arena. A warm reactor allocates nothing: buffers go back to their
 * class when the write ends. The pool grows to the reactor's peak of writes in flight and no further.
 *
 * <h2>Why the garbage collector frees them</h2>
 * A reactor stopped by a fatal failure (a dead device, a power cut) may leave writes in flight whose copies its queue
 * pair and the WAL writer still hold, and nothing tells it when they let go. Freed explicitly only when nothing was in
 * flight, such a stop leaked every chunk, about a MiB a reactor, for as long as the process lived: a process that
 * restarts managers (tests, benchmarks, the power-loss loop, which was killed for want of memory after 5,400 seeds)
 * ran out of memory. An automatic arena frees each chunk once nothing refers to it.
 *
 * <p>Thread safety: one owner thread (the reactor); the segments themselves are read by the WAL writer thread while
 * the write they belong to is in the log.
 */
final class StagingBuffers implements AutoCloseable {
    /**
     * One private buffer, made once and reused: its segment (page aligned, a power of two of pages long) and a
     * {@link ByteBuffer} view of it made at the same time, so that checksumming a copy allocates nothing.
     */
    static final class Buffer {
        final MemorySegment segment;
        final ByteBuffer view;

        private Buffer(MemorySegment segment) {
            this.segment = segment;
            this.view = segment.asByteBuffer();
        }

        /** The first {@code bytes} bytes as the view (position 0, limit {@code bytes}); reactor thread only. */
        ByteBuffer view(long bytes) {
            return view.clear().limit((int) bytes);
        }
    }

    private static final long ALIGNMENT_BYTES = 4096;
    private static final long CHUNK_BYTES = 1L << 20;

    private final int pageSizeBytes;
    private final ArrayDeque<Buffer>[] free;
    private final Arena arena = Arena.ofAuto();
    private MemorySegment chunk = MemorySegment.NULL;
    private long chunkUsed;

    @SuppressWarnings("unchecked")
    StagingBuffers(int pageSizeBytes, int pageCountMax) {
        if (pageSizeBytes <= 0 || pageSizeBytes % ALIGNMENT_BYTES != 0) {
            throw new IllegalArgumentException("pageSizeBytes=" + pageSizeBytes + " must be a multiple of "
                    + ALIGNMENT_BYTES);
        }
        this.pageSizeBytes = pageSizeBytes;
        int classes = classOf(Math.max(1, pageCountMax)) + 1;
        this.free = new ArrayDeque[classes];
        for (int c = 0; c < classes; c++) {
            free[c] = new ArrayDeque<>();
        }
    }

    private static int classOf(int pageCount) {
        return 32 - Integer.numberOfLeadingZeros(pageCount - 1);  // ceil(log2(pageCount))
    }

    /** A buffer of at least {@code pageCount} pages, page aligned; its first {@code pageCount} pages are the copy. */
    Buffer take(int pageCount) {
        int sizeClass = classOf(pageCount);
        Buffer buffer = free[sizeClass].poll();
        if (buffer != null) {
            return buffer;
        }
        long bytes = (long) pageSizeBytes << sizeClass;
        if (bytes >= CHUNK_BYTES) {
            return new Buffer(arena.allocate(bytes, ALIGNMENT_BYTES));
        }
        if (chunkUsed + bytes > chunk.byteSize()) {
            chunk = arena.allocate(CHUNK_BYTES, ALIGNMENT_BYTES);
            chunkUsed = 0;
        }
        MemorySegment slice = chunk.asSlice(chunkUsed, bytes);
        chunkUsed += bytes;
        return new Buffer(slice);
    }

    /** Returns a buffer from {@link #take}; the caller must not use it afterwards. */
    void give(Buffer buffer) {
        int pages = (int) (buffer.segment.byteSize() / pageSizeBytes);
        free[classOf(pages)].add(buffer);
    }

    /** Lets go of every buffer: the garbage collector frees them once no write in progress refers to one. */
    @Override
    public void close() {
        for (ArrayDeque<Buffer> sizeClass : free) {
            sizeClass.clear();
        }
        chunk = MemorySegment.NULL;
    }
}
