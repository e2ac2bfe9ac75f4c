package dev.pagestore.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** The status region layout: class-load asserts, offsets, hashing, header checks. */
class StatusRegionDescriptorTest {
    @Test
    void shouldLoadWithConsistentLayout() {
        assertEquals(128, StatusRegionDescriptor.HEADER_BYTES);
        assertEquals(0, StatusRegionDescriptor.reactorOffset(1) % 128, "reactor blocks on their own lines");
        assertEquals(0, StatusRegionDescriptor.versionTableOffset() % 4096);
        assertTrue(StatusRegionDescriptor.versionTableOffset() >= StatusRegionDescriptor.reactorOffset(
                StatusRegionDescriptor.REACTORS_MAX));
    }

    @Test
    void shouldSpreadPagesOverBucketsWithinRange() {
        int buckets = 1024;
        int[] counts = new int[buckets];
        for (long page = 0; page < 100_000; page++) {
            counts[StatusRegionDescriptor.bucketOf(page, buckets)]++;
        }
        for (int count : counts) {
            assertTrue(count > 40 && count < 160, "bucket load " + count + " for ~98 expected");
        }
        assertEquals(StatusRegionDescriptor.bucketOf(-5, buckets), StatusRegionDescriptor.bucketOf(-5, buckets));
    }

    @Test
    void shouldKeepChannelRowsAndHistogramsOnTheirOwnLines() {
        assertEquals(0, StatusRegionDescriptor.READ_HISTOGRAM_OFFSET % 128);
        assertEquals(0, StatusRegionDescriptor.WRITE_HISTOGRAM_OFFSET % 64);
        assertEquals(0, StatusRegionDescriptor.channelRowOffset(1) % 128);
        assertTrue(StatusRegionDescriptor.channelRowOffset(0) >= StatusRegionDescriptor.reactorOffset(
                StatusRegionDescriptor.REACTORS_MAX));
        assertTrue(StatusRegionDescriptor.versionTableOffset() >= StatusRegionDescriptor.channelRowOffset(
                StatusRegionDescriptor.CHANNEL_ROWS_MAX));
    }

    @Test
    void shouldRejectForeignOrDamagedHeader() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment region = arena.allocate(StatusRegionDescriptor.sizeBytes(16), 4096);
            assertNotNull(StatusRegionDescriptor.checkHeader(region), "zeros are not a status region");
            region.set(ValueLayout.JAVA_LONG, StatusRegionDescriptor.MAGIC_OFFSET, StatusRegionDescriptor.MAGIC);
            region.set(ValueLayout.JAVA_INT, StatusRegionDescriptor.LAYOUT_VERSION_OFFSET,
                    StatusRegionDescriptor.LAYOUT_VERSION);
            region.set(ValueLayout.JAVA_INT, StatusRegionDescriptor.VERSION_BUCKET_COUNT_OFFSET, 16);
            region.set(ValueLayout.JAVA_INT, StatusRegionDescriptor.REACTOR_COUNT_OFFSET, 1);
            assertNull(StatusRegionDescriptor.checkHeader(region));
            region.set(ValueLayout.JAVA_INT, StatusRegionDescriptor.VERSION_BUCKET_COUNT_OFFSET, 1 << 20);
            assertTrue(StatusRegionDescriptor.checkHeader(region).contains("bucket count"));
        }
    }
}
