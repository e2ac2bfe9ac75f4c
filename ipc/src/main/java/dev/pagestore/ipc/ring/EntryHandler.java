package dev.pagestore.ipc.ring;

import java.lang.foreign.MemorySegment;

/**
 * Called by {@link RingConsumer#drain} once per published entry, in sequence order. The entry is valid only during the
 * call: it is released to the producer after the batch, so copy out what must outlive it. Implementations are reused
 * across calls (no allocation per entry).
 */
@FunctionalInterface
public interface EntryHandler {
    /**
     * @param ring   the ring's segment
     * @param offset where this entry starts in {@code ring}
     */
    void onEntry(MemorySegment ring, long offset);
}
