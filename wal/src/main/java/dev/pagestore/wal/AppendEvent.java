package dev.pagestore.wal;

import java.lang.foreign.MemorySegment;

/**
 * One slot of the append ring: the pages of one record (one page, or an atomic group) and the appender's callback.
 * Slots are allocated once with the ring; the writer clears the image references after copying them so the ring
 * does not keep callers' buffers alive.
 */
final class AppendEvent {
    final long[] pageNumbers;
    final MemorySegment[] images;
    int pageCount;
    boolean group;
    AppendCallback callback;

    AppendEvent(int maxPagesPerGroup) {
        this.pageNumbers = new long[maxPagesPerGroup];
        this.images = new MemorySegment[maxPagesPerGroup];
    }

    void set(long[] numbers, MemorySegment[] pageImages, int count, boolean isGroup, AppendCallback waiter) {
        System.arraycopy(numbers, 0, pageNumbers, 0, count);
        System.arraycopy(pageImages, 0, images, 0, count);
        pageCount = count;
        group = isGroup;
        callback = waiter;
    }

    void clear() {
        java.util.Arrays.fill(images, 0, pageCount, null);
        pageCount = 0;
        callback = null;
    }
}
