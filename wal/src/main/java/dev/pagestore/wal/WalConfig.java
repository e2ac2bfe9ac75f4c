package dev.pagestore.wal;

/**
 * Sizes and limits of a write-ahead log, fixed at open.
 *
 * @param segmentSizeBytes     size of every segment file (default 64 MiB); a multiple of {@code writeAlignmentBytes}
 * @param pageSizeBytes        size of every page image (4096, 8192 or 16384 in production; tests use smaller)
 * @param maxPagesPerGroup     the most pages one atomic group may carry; its record must fit in one segment
 * @param ringSize             Disruptor ring capacity (power of two): appenders block when it is full
 * @param stagingBufferBytes   the writer's staging buffer; one device write carries at most this much
 * @param writeAlignmentBytes  every device write's offset and length are multiples of this (power of two, >= 512)
 * @param scanAheadBytes       how far recovery looks past an invalid record for a valid one (corruption vs torn tail)
 * @param saltSeed             seed of the per-segment salts; 0 means "from SecureRandom" (tests pass a seed)
 */
public record WalConfig(long segmentSizeBytes, int pageSizeBytes, int maxPagesPerGroup, int ringSize,
                        int stagingBufferBytes, int writeAlignmentBytes, int scanAheadBytes, long saltSeed) {

    public static final long DEFAULT_SEGMENT_SIZE_BYTES = 64L << 20;

    /** Production defaults for {@code pageSizeBytes}-byte pages. */
    public static WalConfig defaults(int pageSizeBytes) {
        return new WalConfig(DEFAULT_SEGMENT_SIZE_BYTES, pageSizeBytes, 64, 1024, 8 << 20, 4096, 1 << 20, 0);
    }

    public WalConfig {
        if (pageSizeBytes < 64 || Integer.bitCount(pageSizeBytes) != 1) {
            throw new IllegalArgumentException("pageSizeBytes=" + pageSizeBytes + " is not a power of two >= 64");
        }
        if (writeAlignmentBytes < 512 || Integer.bitCount(writeAlignmentBytes) != 1) {
            throw new IllegalArgumentException("writeAlignmentBytes=" + writeAlignmentBytes
                    + " is not a power of two >= 512");
        }
        if (WalSegmentDescriptor.HEADER_REGION_BYTES % writeAlignmentBytes != 0) {
            throw new IllegalArgumentException("writeAlignmentBytes=" + writeAlignmentBytes + " does not divide the "
                    + WalSegmentDescriptor.HEADER_REGION_BYTES + "-byte segment header region");
        }
        if (segmentSizeBytes % writeAlignmentBytes != 0 || segmentSizeBytes < 2L * WalSegmentDescriptor.HEADER_REGION_BYTES) {
            throw new IllegalArgumentException("segmentSizeBytes=" + segmentSizeBytes + " is not a multiple of "
                    + writeAlignmentBytes + " of at least " + 2 * WalSegmentDescriptor.HEADER_REGION_BYTES);
        }
        if (maxPagesPerGroup < 1) {
            throw new IllegalArgumentException("maxPagesPerGroup=" + maxPagesPerGroup + " is less than 1");
        }
        if (ringSize < 2 || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("ringSize=" + ringSize + " is not a power of two >= 2");
        }
        long maxRecord = WalRecordDescriptor.alignedLength(
                WalRecordDescriptor.pageImagesLength(maxPagesPerGroup, pageSizeBytes));
        long room = segmentSizeBytes - WalSegmentDescriptor.HEADER_REGION_BYTES - WalRecordDescriptor.HEADER_LENGTH;
        if (maxRecord > room) {
            throw new IllegalArgumentException("maxPagesPerGroup=" + maxPagesPerGroup + " of " + pageSizeBytes
                    + "-byte pages makes a " + maxRecord + "-byte record, more than a segment holds (" + room + ")");
        }
        if (stagingBufferBytes % writeAlignmentBytes != 0
                || stagingBufferBytes < maxRecord + WalRecordDescriptor.HEADER_LENGTH + writeAlignmentBytes) {
            throw new IllegalArgumentException("stagingBufferBytes=" + stagingBufferBytes + " must be a multiple of "
                    + writeAlignmentBytes + " and hold the largest record (" + maxRecord + ") plus a block");
        }
        if (scanAheadBytes < 0) {
            throw new IllegalArgumentException("scanAheadBytes=" + scanAheadBytes + " is negative");
        }
    }

    /** The aligned length of the largest record this configuration allows. */
    public long maxRecordBytes() {
        return WalRecordDescriptor.alignedLength(WalRecordDescriptor.pageImagesLength(maxPagesPerGroup, pageSizeBytes));
    }

    public WalConfig withSegmentSizeBytes(long value) {
        return new WalConfig(value, pageSizeBytes, maxPagesPerGroup, ringSize, stagingBufferBytes,
                writeAlignmentBytes, scanAheadBytes, saltSeed);
    }

    public WalConfig withMaxPagesPerGroup(int value) {
        return new WalConfig(segmentSizeBytes, pageSizeBytes, value, ringSize, stagingBufferBytes,
                writeAlignmentBytes, scanAheadBytes, saltSeed);
    }

    public WalConfig withRingSize(int value) {
        return new WalConfig(segmentSizeBytes, pageSizeBytes, maxPagesPerGroup, value, stagingBufferBytes,
                writeAlignmentBytes, scanAheadBytes, saltSeed);
    }

    public WalConfig withStagingBufferBytes(int value) {
        return new WalConfig(segmentSizeBytes, pageSizeBytes, maxPagesPerGroup, ringSize, value,
                writeAlignmentBytes, scanAheadBytes, saltSeed);
    }

    public WalConfig withSaltSeed(long value) {
        return new WalConfig(segmentSizeBytes, pageSizeBytes, maxPagesPerGroup, ringSize, stagingBufferBytes,
                writeAlignmentBytes, scanAheadBytes, value);
    }
}
