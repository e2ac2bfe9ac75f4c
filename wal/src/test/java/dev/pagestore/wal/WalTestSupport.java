package dev.pagestore.wal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Small configurations and self-describing page contents for the WAL tests. */
final class WalTestSupport {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private WalTestSupport() {
    }

    /** 64 KiB segments, 512-byte pages, groups of up to 8 pages, a 64-slot ring. */
    static WalConfig smallConfig(long seed) {
        return new WalConfig(64 << 10, 512, 8, 64, 12 << 10, 4096, 4096, seed == 0 ? 1 : seed);
    }

    /** The control file's redo point, or the first record position of a log that has no control file yet. */
    static long redoLsnOrStart(LogDirectory directory, WalConfig config) throws java.io.IOException {
        return directory.list().contains(ControlFileDescriptor.FILE_NAME)
                ? WalRecovery.redoLsn(directory, config) : WalSegmentDescriptor.HEADER_REGION_BYTES;
    }

    /**
     * Fills {@code page} with content that names its origin: record id and page number in the first 16 bytes, then a
     * pattern derived from both, so a page from the wrong record, or a damaged one, is recognised.
     */
    static void fill(MemorySegment page, long recordId, long pageNumber) {
        page.set(LONG, 0, recordId);
        page.set(LONG, 8, pageNumber);
        long x = recordId * 0x9E3779B97F4A7C15L + pageNumber;
        for (long at = 16; at + 8 <= page.byteSize(); at += 8) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            page.set(LONG, at, x);
        }
    }

    static MemorySegment page(Arena arena, int pageSize, long recordId, long pageNumber) {
        MemorySegment page = arena.allocate(pageSize, 8);
        fill(page, recordId, pageNumber);
        return page;
    }

    static long recordIdOf(MemorySegment image) {
        return image.get(LONG, 0);
    }

    static long pageNumberOf(MemorySegment image) {
        return image.get(LONG, 8);
    }

    /** True when {@code image} is exactly what {@link #fill} writes for its own record id and page number. */
    static boolean intact(MemorySegment image, long expectedPageNumber) {
        if (pageNumberOf(image) != expectedPageNumber) {
            return false;
        }
        MemorySegment expected = MemorySegment.ofArray(new byte[(int) image.byteSize()]);
        fill(expected, recordIdOf(image), expectedPageNumber);
        return expected.mismatch(image) == -1;
    }

    /** Page {@code index} of the record in {@code record} (as a {@link RecordVisitor} sees it). */
    static MemorySegment imageOf(MemorySegment record, int index) {
        int count = WalRecordDescriptor.pageCount(record, 0);
        int pageSize = WalRecordDescriptor.pageSize(record, 0);
        return record.asSlice(WalRecordDescriptor.pageImageOffset(index, count, pageSize), pageSize);
    }

    /** Every byte of file {@code name} of {@code directory}, read through a handle of its own. */
    static byte[] readAll(LogDirectory directory, String name) throws java.io.IOException {
        try (Arena arena = Arena.ofConfined(); LogDevice device = directory.open(name, false)) {
            MemorySegment all = arena.allocate(device.size(), 4096);
            device.read(0, all);
            return all.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** Appends records {@code from..to-1}, record i an image of page {@code i % 11}, each waited for. */
    static void appendRoundRobin(WriteAheadLog wal, WalConfig config, Arena arena, int from, int to) {
        for (int i = from; i < to; i++) {
            wal.append(i % 11, page(arena, config.pageSizeBytes(), i, i % 11)).join();
        }
    }

    /**
     * Opens the log in {@code directory} and checks that recovery read {@code expectedRecords} records written by
     * {@link #appendRoundRobin} to their end, and gave each of the 11 pages its last image.
     */
    static void assertRecoversRoundRobin(LogDirectory directory, WalConfig config, int expectedRecords)
            throws java.io.IOException {
        WriteAheadLogTest.Collector collector = new WriteAheadLogTest.Collector();
        try (WriteAheadLog wal = WriteAheadLog.open(directory, config, collector)) {
            RecoveryReport report = wal.recoveryReport();
            org.junit.jupiter.api.Assertions.assertEquals(StopReason.END_OF_LOG, report.stopReason(), report.detail());
            org.junit.jupiter.api.Assertions.assertEquals(expectedRecords, report.pageImagesScanned(),
                    directory + ": " + report);
        }
        for (long page = 0; page < 11; page++) {
            long last = page + 11 * ((expectedRecords - 1 - page) / 11);
            org.junit.jupiter.api.Assertions.assertEquals(last, collector.recordIdByPage.get(page),
                    directory + ": page " + page + " has its last image");
        }
    }
}
