package dev.pagestore.wal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Layout of one WAL record: a 48-byte header followed by its payload, little-endian, starting on an 8-byte boundary.
 *
 * <pre>
 *   0               4       6       8                               16
 *   +---------------+-------+-------+-------------------------------+
 *   | totalLength   | type  | flags | lsn                           |
 *   +---------------+-------+-------+-------------------------------+
 *  16                               24                              32
 *   | prevLsn                       | syncedLsn                     |
 *   +---------------+---------------+---------------+---------------+
 *  32               36              40              44              48
 *   | salt          | crc32c        | pageSize      | pageCount     |
 *   +---------------+---------------+---------------+---------------+
 *  48  PAGE_IMAGES payload: pageCount x int64 page number, then pageCount x pageSize image bytes
 *   +---------------------------------------------------------------+
 * </pre>
 *
 * <ul>
 *   <li>{@code totalLength}: header + payload in bytes; the record occupies {@link #alignedLength} bytes, and the
 *       next record starts right after. Records never cross a segment; {@code SEGMENT_END} says "continue in the
 *       next segment".</li>
 *   <li>{@code lsn}: the record's byte position in the log, {@code segmentNumber * segmentSize + offset in segment}.
 *       A record whose {@code lsn} is not its position is stale (a recycled segment) or misplaced.</li>
 *   <li>{@code prevLsn}: the LSN of the record before it (0 for the first record of a new log).</li>
 *   <li>{@code syncedLsn}: the durable end of the log when this record was written: everything before it had been
 *       fdatasync'ed. Recovery uses it to tell a torn un-synced tail from damage to acknowledged data.</li>
 *   <li>{@code salt}: the segment's salt (see {@link WalSegmentDescriptor}); a recycled segment gets a new one, so its
 *       old records can never pass as new.</li>
 *   <li>{@code crc32c}: CRC-32C over the header with this field taken as zero, then the payload.</li>
 *   <li>A {@code PAGE_IMAGES} record with {@code pageCount > 1} is an atomic group: one CRC covers every page, so
 *       recovery applies all of them or none. Its "end" is its last byte.</li>
 *   <li>{@code flags}: {@link #FLAG_GROUP} on a {@code PAGE_IMAGES} record written as a group;
 *       {@link #FLAG_NEXT_SEGMENT_DURABLE} on a {@code SEGMENT_END} written once the next segment's file was durable,
 *       so that recovery can tell a lost next segment from one that was never made (a {@code SEGMENT_END} without
 *       it was written by a pagestore that wrote the record first).</li>
 * </ul>
 *
 * <p><b>Alignment: 8 bytes.</b> Page images are 4-16 KiB and the header is 48 bytes, so 8-byte alignment wastes at most
 * 7 bytes a record and keeps every header long naturally aligned. Sector alignment (512 B) would waste up to 11% of
 * the log on 4 KiB pages; the writer instead re-writes the partly filled last block of each batch (as PostgreSQL does
 * with its last WAL page), so every device write is still block aligned for {@code O_DIRECT}.
 */
public final class WalRecordDescriptor {
    /** Multiple of which every record's occupied length is. */
    public static final int RECORD_ALIGNMENT_BYTES = 8;

    public static final int TOTAL_LENGTH_OFFSET;
    public static final int TYPE_OFFSET;
    public static final int FLAGS_OFFSET;
    public static final int LSN_OFFSET;
    public static final int PREV_LSN_OFFSET;
    public static final int SYNCED_LSN_OFFSET;
    public static final int SALT_OFFSET;
    public static final int CRC_OFFSET;
    public static final int PAGE_SIZE_OFFSET;
    public static final int PAGE_COUNT_OFFSET;
    public static final int HEADER_LENGTH;

    /** Record types. 0 is never valid: zero-filled space reads as "no record". */
    public static final short TYPE_PAGE_IMAGES = 1;
    public static final short TYPE_SEGMENT_END = 2;

    /** Flag on a {@code PAGE_IMAGES} record written by {@code appendGroup}: an atomic multi-page batch. */
    public static final short FLAG_GROUP = 1;
    /**
     * Flag on a {@code SEGMENT_END}: the next segment's file was made durable (created or recycled, renamed, the
     * directory fsync'ed) before this record was written, so a next segment found missing was lost, not never made.
     */
    public static final short FLAG_NEXT_SEGMENT_DURABLE = 2;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final byte[] FOUR_ZEROS = new byte[4];

    static {
        int offset = 0;
        TOTAL_LENGTH_OFFSET = offset;
        offset += Integer.BYTES;
        TYPE_OFFSET = offset;
        offset += Short.BYTES;
        FLAGS_OFFSET = offset;
        offset += Short.BYTES;
        LSN_OFFSET = offset;
        offset += Long.BYTES;
        PREV_LSN_OFFSET = offset;
        offset += Long.BYTES;
        SYNCED_LSN_OFFSET = offset;
        offset += Long.BYTES;
        SALT_OFFSET = offset;
        offset += Integer.BYTES;
        CRC_OFFSET = offset;
        offset += Integer.BYTES;
        PAGE_SIZE_OFFSET = offset;
        offset += Integer.BYTES;
        PAGE_COUNT_OFFSET = offset;
        offset += Integer.BYTES;
        HEADER_LENGTH = offset;

        check(HEADER_LENGTH == 48, "header is 48 bytes");
        check(HEADER_LENGTH % RECORD_ALIGNMENT_BYTES == 0, "payload starts aligned");
        check(LSN_OFFSET % Long.BYTES == 0 && PREV_LSN_OFFSET % Long.BYTES == 0 && SYNCED_LSN_OFFSET % Long.BYTES == 0,
                "longs naturally aligned");
    }

    private WalRecordDescriptor() {
    }

    private static void check(boolean fact, String what) {
        if (!fact) {
            throw new ExceptionInInitializerError("WalRecordDescriptor layout broken: " + what);
        }
    }

    /** {@code length} rounded up to {@link #RECORD_ALIGNMENT_BYTES}. */
    public static long alignedLength(long length) {
        return (length + RECORD_ALIGNMENT_BYTES - 1) & -RECORD_ALIGNMENT_BYTES;
    }

    /** Total length of a {@code PAGE_IMAGES} record carrying {@code pageCount} pages. */
    public static long pageImagesLength(int pageCount, int pageSizeBytes) {
        return HEADER_LENGTH + (long) pageCount * Long.BYTES + (long) pageCount * pageSizeBytes;
    }

    /** Offset, in the record, of the page-number array. */
    public static long pageNumberOffset(int index) {
        return HEADER_LENGTH + (long) index * Long.BYTES;
    }

    /** Offset, in the record, of page {@code index}'s image. */
    public static long pageImageOffset(int index, int pageCount, int pageSizeBytes) {
        return HEADER_LENGTH + (long) pageCount * Long.BYTES + (long) index * pageSizeBytes;
    }

    // ---- accessors over a record that starts at 'at' in 'segment' ----

    public static int totalLength(MemorySegment segment, long at) {
        return segment.get(INT, at + TOTAL_LENGTH_OFFSET);
    }

    public static short type(MemorySegment segment, long at) {
        return segment.get(SHORT, at + TYPE_OFFSET);
    }

    public static short flags(MemorySegment segment, long at) {
        return segment.get(SHORT, at + FLAGS_OFFSET);
    }

    public static long lsn(MemorySegment segment, long at) {
        return segment.get(LONG, at + LSN_OFFSET);
    }

    public static long prevLsn(MemorySegment segment, long at) {
        return segment.get(LONG, at + PREV_LSN_OFFSET);
    }

    public static long syncedLsn(MemorySegment segment, long at) {
        return segment.get(LONG, at + SYNCED_LSN_OFFSET);
    }

    public static int salt(MemorySegment segment, long at) {
        return segment.get(INT, at + SALT_OFFSET);
    }

    public static int crc(MemorySegment segment, long at) {
        return segment.get(INT, at + CRC_OFFSET);
    }

    public static int pageSize(MemorySegment segment, long at) {
        return segment.get(INT, at + PAGE_SIZE_OFFSET);
    }

    public static int pageCount(MemorySegment segment, long at) {
        return segment.get(INT, at + PAGE_COUNT_OFFSET);
    }

    public static long pageNumber(MemorySegment segment, long at, int index) {
        return segment.get(LONG, at + pageNumberOffset(index));
    }

    /** Writes a header (CRC field zero); {@link #sealCrc} must follow once the payload is in place. */
    public static void writeHeader(MemorySegment segment, long at, int totalLength, short type, short flags, long lsn,
                                   long prevLsn, long syncedLsn, int salt, int pageSizeBytes, int pageCount) {
        segment.set(INT, at + TOTAL_LENGTH_OFFSET, totalLength);
        segment.set(SHORT, at + TYPE_OFFSET, type);
        segment.set(SHORT, at + FLAGS_OFFSET, flags);
        segment.set(LONG, at + LSN_OFFSET, lsn);
        segment.set(LONG, at + PREV_LSN_OFFSET, prevLsn);
        segment.set(LONG, at + SYNCED_LSN_OFFSET, syncedLsn);
        segment.set(INT, at + SALT_OFFSET, salt);
        segment.set(INT, at + CRC_OFFSET, 0);
        segment.set(INT, at + PAGE_SIZE_OFFSET, pageSizeBytes);
        segment.set(INT, at + PAGE_COUNT_OFFSET, pageCount);
    }

    public static void writePageNumber(MemorySegment segment, long at, int index, long pageNumber) {
        segment.set(LONG, at + pageNumberOffset(index), pageNumber);
    }

    /** Computes the CRC of the complete record at {@code at} and stores it; pairs with {@link #crcMatches}. */
    public static void sealCrc(MemorySegment segment, long at) {
        int crc = computeCrc(segment, at, totalLength(segment, at));
        segment.set(INT, at + CRC_OFFSET, crc);
        assert crcMatches(segment, at) : "record at " + at + " fails its own CRC just after sealing";
    }

    /**
     * As {@link #sealCrc(MemorySegment, long)} without allocating, for the writer's per-record path: {@code view} is a
     * ByteBuffer over exactly {@code segment}'s memory (its position and limit are moved), {@code crc} a CRC32C to
     * reuse.
     */
    public static void sealCrc(MemorySegment segment, long at, java.nio.ByteBuffer view, CRC32C crc) {
        segment.set(INT, at + CRC_OFFSET, crcOf(view, Math.toIntExact(at), totalLength(segment, at), crc));
        assert crcMatches(segment, at) : "record at " + at + " fails its own CRC just after sealing";
    }

    /** True when the stored CRC matches the record's bytes; the caller has checked that the length fits. */
    public static boolean crcMatches(MemorySegment segment, long at) {
        return crc(segment, at) == computeCrc(segment, at, totalLength(segment, at));
    }

    /** CRC-32C over {@code [at, at+length)} with the CRC field taken as zero. */
    public static int computeCrc(MemorySegment segment, long at, int length) {
        return crcOf(segment.asSlice(at, length).asByteBuffer(), 0, length, new CRC32C());
    }

    /** The one CRC rule: {@code [start, start+length)} of {@code view} with the CRC field taken as zero. */
    private static int crcOf(java.nio.ByteBuffer view, int start, int length, CRC32C crc) {
        crc.reset();
        view.limit(start + CRC_OFFSET).position(start);
        crc.update(view);
        crc.update(FOUR_ZEROS, 0, 4);
        view.limit(start + length).position(start + CRC_OFFSET + 4);
        crc.update(view);
        return (int) crc.getValue();
    }

    /**
     * Checks the header fields that need no context: a known type, a length at least the header, and for
     * {@code PAGE_IMAGES} a page count and size consistent with the length.
     *
     * @return null when they hold, otherwise what is wrong
     */
    public static String checkShape(MemorySegment segment, long at, long bytesAvailable) {
        if (bytesAvailable < HEADER_LENGTH) {
            return "only " + bytesAvailable + " bytes left for a " + HEADER_LENGTH + "-byte header";
        }
        int length = totalLength(segment, at);
        short type = type(segment, at);
        if (length < HEADER_LENGTH || length > bytesAvailable) {
            return "totalLength=" + length + " outside [" + HEADER_LENGTH + ", " + bytesAvailable + "]";
        }
        if (type == TYPE_SEGMENT_END) {
            return length == HEADER_LENGTH ? null : "SEGMENT_END with totalLength=" + length;
        }
        if (type != TYPE_PAGE_IMAGES) {
            return "unknown type=" + type;
        }
        int pageSize = pageSize(segment, at);
        int pageCount = pageCount(segment, at);
        if (pageSize <= 0 || Integer.bitCount(pageSize) != 1 || pageCount <= 0
                || pageImagesLength(pageCount, pageSize) != length) {
            return "pageSize=" + pageSize + " pageCount=" + pageCount + " disagree with totalLength=" + length;
        }
        return null;
    }
}
