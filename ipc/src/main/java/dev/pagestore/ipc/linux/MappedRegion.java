package dev.pagestore.ipc.linux;

import java.lang.foreign.MemorySegment;

/**
 * Shared memory mapped into this process: a named {@link SharedMemoryRegion} under {@code /dev/shm} (tests and
 * benchmarks) or an anonymous, sealed {@link MemfdRegion} (the manager and its workers). A channel is laid out the same
 * in either.
 */
public interface MappedRegion extends AutoCloseable {
    /** The mapping, page aligned. */
    MemorySegment segment();

    /** A name for messages: the {@code /dev/shm} file name, or the memfd's label. */
    String name();

    /** Unmaps; every access to {@link #segment()} afterwards throws {@link IllegalStateException}. Idempotent. */
    @Override
    void close();
}
