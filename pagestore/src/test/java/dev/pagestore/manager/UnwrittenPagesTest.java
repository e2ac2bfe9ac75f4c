package dev.pagestore.manager;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The committed images whose data-file write failed (issue 14, item 10): kept until a force after their write
 * succeeded (a page cache write followed by a failed fsync may be lost, and the kernel says so once: fsyncgate), never
 * written over a newer write of the page, and kept when they still cannot be written.
 */
class UnwrittenPagesTest {
    private static final int PAGE = 4096;

    private static MemorySegment image(int fill) {
        byte[] bytes = new byte[PAGE];
        java.util.Arrays.fill(bytes, (byte) fill);
        return MemorySegment.ofArray(bytes);
    }

    @Test
    void shouldForgetAnImageOnlyOnceAForceAfterItsWriteSucceeded() throws Exception {
        UnwrittenPages pages = new UnwrittenPages(PAGE);
        pages.failed(7, 100, image(1));
        DataFile file = new DataFile();
        file.failForce = true;
        IOException failed = assertThrows(IOException.class, () -> pages.checkpoint(DataPageSink.of(file, PAGE)));
        assertInstanceOf(DataFileSyncException.class, failed, "a failed fdatasync is not an ordinary failure");
        assertTrue(file.writes.containsKey(7L * PAGE), "the image was written to the page cache");
        assertArrayEquals(image(1).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), pages.imageOf(7),
                "but kept, since the force that would make it durable failed");

        file.failForce = false;
        pages.checkpoint(DataPageSink.of(file, PAGE));
        assertNull(pages.imageOf(7), "forgotten once a force after its write succeeded");
        assertTrue(pages.isEmpty());
    }

    @Test
    void shouldNeverWriteAnImageThatANewerWriteOfThePageHasClaimed() throws Exception {
        UnwrittenPages pages = new UnwrittenPages(PAGE);
        pages.failed(3, 100, image(1));
        pages.beginOverwrite(3);  // a newer write of page 3 is on its way to the device
        DataFile file = new DataFile();
        pages.checkpoint(DataPageSink.of(file, PAGE));
        assertFalse(file.writes.containsKey(3L * PAGE), "the older image could land after the newer write");
        assertTrue(pages.imageOf(3) != null, "it stays until the newer write's outcome is known");
        pages.written(3, 200);
        assertNull(pages.imageOf(3), "the newer write reached the file");
    }

    @Test
    void shouldKeepAnImageANewerFailedWriteReplacesAndNeverAnOlderOne() {
        UnwrittenPages pages = new UnwrittenPages(PAGE);
        pages.failed(5, 100, image(1));
        pages.failed(5, 200, image(2));
        pages.failed(5, 150, image(3));  // an older record cannot replace a newer image
        assertEquals(2, pages.imageOf(5)[0]);
        pages.written(5, 150);
        assertEquals(2, pages.imageOf(5)[0], "an older write reaching the file does not make the newer image obsolete");
        pages.written(5, 200);
        assertNull(pages.imageOf(5));
    }

    @Test
    void shouldKeepImagesThatStillCannotBeWrittenAndForgetTheOthers() throws Exception {
        UnwrittenPages pages = new UnwrittenPages(PAGE);
        pages.failed(1, 100, image(1));
        pages.failed(2, 101, image(2));
        DataFile file = new DataFile();
        file.failWriteAt = 2L * PAGE;
        IOException failed = assertThrows(IOException.class, () -> pages.checkpoint(DataPageSink.of(file, PAGE)));
        assertFalse(failed instanceof DataFileSyncException);
        assertTrue(failed.getMessage().contains("1 committed page(s)"), failed.getMessage());
        assertNull(pages.imageOf(1), "page 1 was written and forced");
        assertEquals(2, pages.imageOf(2)[0], "page 2 is kept for reads and the next checkpoint");
        assertEquals(1, pages.size());
    }

    /** A data file that records positional writes and fails where told. */
    private static final class DataFile extends FileChannel {
        final Map<Long, byte[]> writes = new HashMap<>();
        boolean failForce;
        long failWriteAt = -1;

        @Override
        public int write(ByteBuffer source, long position) throws IOException {
            if (position == failWriteAt) {
                throw new IOException("ENOSPC (test)");
            }
            byte[] bytes = new byte[source.remaining()];
            source.get(bytes);
            writes.put(position, bytes);
            return bytes.length;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            if (failForce) {
                throw new IOException("EIO (test)");
            }
        }

        @Override
        public int read(ByteBuffer dst) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int write(ByteBuffer src) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long position() {
            return 0;
        }

        @Override
        public FileChannel position(long newPosition) {
            return this;
        }

        @Override
        public long size() {
            return Long.MAX_VALUE;
        }

        @Override
        public FileChannel truncate(long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(ByteBuffer dst, long position) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        protected void implCloseChannel() {
        }
    }
}
