package dev.pagestore.client;

import dev.pagestore.ipc.ring.RequestDescriptor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Objects;

/** The checks of a call's page number and buffers, on the caller's thread before anything is reserved or sent. */
final class PageArguments {
    private PageArguments() {
    }

    static void checkPage(long capacityPages, byte opcode, long pageNumber) {
        boolean data = opcode == RequestDescriptor.OPCODE_READ || opcode == RequestDescriptor.OPCODE_WRITE;
        if (data && (pageNumber < 0 || pageNumber >= capacityPages)) {
            throw new IllegalArgumentException("pageNumber=" + pageNumber + " is outside [0, " + capacityPages + ")");
        }
    }

    static void checkDestination(int pageSize, MemorySegment destination) {
        checkLength(pageSize, destination, "destination");
        if (destination.isReadOnly()) {
            throw new IllegalArgumentException("destination is read-only");
        }
        if (!destination.scope().isAlive()) {
            throw new IllegalArgumentException("destination's arena is closed");
        }
    }

    static void checkLength(int pageSize, MemorySegment segment, String what) {
        Objects.requireNonNull(segment, what);
        if (segment.byteSize() != pageSize) {
            throw new IllegalArgumentException(what + " is " + segment.byteSize() + " bytes; pageSizeBytes="
                    + pageSize);
        }
    }

    /** An atomic batch: as many pages as images, at least one and at most {@code batchPagesMax}, each a whole page. */
    static void checkBatch(int pageSize, int batchPagesMax, long[] pageNumbers, byte[][] data) {
        if (pageNumbers.length != data.length || pageNumbers.length == 0) {
            throw new IllegalArgumentException("pageNumbers.length=" + pageNumbers.length + " and data.length="
                    + data.length + " must be equal and positive");
        }
        if (pageNumbers.length > batchPagesMax) {
            throw new IllegalArgumentException("a batch of " + pageNumbers.length + " pages exceeds batchPagesMax="
                    + batchPagesMax);
        }
        for (byte[] page : data) {
            checkLength(pageSize, MemorySegment.ofArray(page), "data");
        }
    }

    /** A buffer whose next {@code pageSize} bytes are a page to read into ({@code writable}) or to write from. */
    static void checkBuffer(int pageSize, ByteBuffer buffer, String what, boolean writable) {
        Objects.requireNonNull(buffer, what);
        if (buffer.remaining() < pageSize) {
            throw new IllegalArgumentException(what + " has " + buffer.remaining() + " bytes remaining; pageSizeBytes="
                    + pageSize);
        }
        if (writable && buffer.isReadOnly()) {
            throw new IllegalArgumentException(what + " is read-only");
        }
    }

    /** The next page of {@code buffer}: a view of the {@code pageSize} bytes from its position. */
    static MemorySegment pageOf(int pageSize, ByteBuffer buffer, String what) {
        checkBuffer(pageSize, buffer, what, false);
        return MemorySegment.ofBuffer(buffer).asSlice(0, pageSize);
    }
}
