package dev.pagestore.wal;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/** Receives recovered pages: each page once, with the image of its last valid record after the redo point. */
@FunctionalInterface
public interface PageReplayer {
    /**
     * Applies {@code image} (valid only during the call, at no particular memory alignment) as page
     * {@code pageNumber}'s content.
     *
     * @param lsn the record that carried this image
     */
    void applyPage(long pageNumber, MemorySegment image, long lsn) throws IOException;

    /** A replayer that discards pages (for a scan that only reports). */
    PageReplayer NONE = (pageNumber, image, lsn) -> { };
}
