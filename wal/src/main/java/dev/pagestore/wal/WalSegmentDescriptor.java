package dev.pagestore.wal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * Layout of a segment file: a header in the first {@link #HEADER_REGION_BYTES}, then records from that offset to
 * the segment's end. Segment {@code n} is the file {@link #fileName(long) fileName(n)} and holds LSNs
 * {@code [n * segmentSize, (n + 1) * segmentSize)}.
 *
 * <pre>
 *   0                               8               12              16
 *   +-------------------------------+---------------+---------------+
 *   | magic "PSWALSEG"              | version       | salt          |
 *   +-------------------------------+---------------+---------------+
 *  16                               24                              32
 *   | segmentNumber                 | segmentSizeBytes              |
 *   +---------------+---------------+-------------------------------+
 *  32               36              40                              56
 *   | crc32c        | zero          | logId (most, least significant)|
 *   +---------------+---------------+-------------------------------+
 *  56                                                            4096
 *   | zero ...                                    (records start at 4096)
 *   +------------------------------------------------------------...
 * </pre>
 *
 * <p>The log id (version 2) names the log the segment belongs to, as the control file does: a segment of another
 * store's log copied in beside this one has a valid header and valid records, and only its id tells recovery not to
 * apply them. All zeros means none (a log opened without an id, or a version 1 header, written before ids). The CRC
 * covers the fields before it and, from version 2, the log id.
 *
 * <p>The header is written and fdatasync'ed before a segment's name is made durable, and re-written with a new salt
 * when the segment is recycled; a header whose number disagrees with the file name (a crash mid-recycle) marks the
 * file as spare. The header region is one 4096-byte block so record writes stay block aligned.
 */
public final class WalSegmentDescriptor {
    public static final long MAGIC = 0x4745_534c_4157_5350L; // "PSWALSEG" little-endian
    public static final int VERSION = 2;
    /** Headers written before the log id: still read, with no id to check. */
    static final int VERSION_WITHOUT_LOG_ID = 1;
    static final int LOG_ID_OFFSET = 40;
    private static final int LOG_ID_END = 56;
    public static final int HEADER_REGION_BYTES = 4096;

    public static final int MAGIC_OFFSET;
    public static final int VERSION_OFFSET;
    public static final int SALT_OFFSET;
    public static final int SEGMENT_NUMBER_OFFSET;
    public static final int SEGMENT_SIZE_OFFSET;
    public static final int CRC_OFFSET;
    public static final int HEADER_LENGTH;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static {
        int offset = 0;
        MAGIC_OFFSET = offset;
        offset += Long.BYTES;
        VERSION_OFFSET = offset;
        offset += Integer.BYTES;
        SALT_OFFSET = offset;
        offset += Integer.BYTES;
        SEGMENT_NUMBER_OFFSET = offset;
        offset += Long.BYTES;
        SEGMENT_SIZE_OFFSET = offset;
        offset += Long.BYTES;
        CRC_OFFSET = offset;
        offset += Integer.BYTES;
        offset += Integer.BYTES; // zero padding to a long boundary
        HEADER_LENGTH = offset;

        if (HEADER_LENGTH != 40 || HEADER_LENGTH > HEADER_REGION_BYTES
                || HEADER_REGION_BYTES % WalRecordDescriptor.RECORD_ALIGNMENT_BYTES != 0) {
            throw new ExceptionInInitializerError("WalSegmentDescriptor layout broken: header " + HEADER_LENGTH);
        }
    }

    private WalSegmentDescriptor() {
    }

    /** The file name of segment {@code segmentNumber}: 16 hex digits and {@code .wal}, so names sort by number. */
    public static String fileName(long segmentNumber) {
        return String.format("%016x.wal", segmentNumber);
    }

    /** The segment number of a segment file name, or -1 when {@code name} is not one. */
    public static long parseFileName(String name) {
        if (name.length() != 20 || !name.endsWith(".wal")) {
            return -1;
        }
        try {
            return Long.parseUnsignedLong(name.substring(0, 16), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Fills {@code block} (at least {@link #HEADER_REGION_BYTES}) with a sealed header and zeros after it, naming log
     * {@code logId} (null: none).
     */
    public static void write(MemorySegment block, int salt, long segmentNumber, long segmentSizeBytes, UUID logId) {
        block.asSlice(0, HEADER_REGION_BYTES).fill((byte) 0);
        block.set(LONG, MAGIC_OFFSET, MAGIC);
        block.set(INT, VERSION_OFFSET, VERSION);
        block.set(INT, SALT_OFFSET, salt);
        block.set(LONG, SEGMENT_NUMBER_OFFSET, segmentNumber);
        block.set(LONG, SEGMENT_SIZE_OFFSET, segmentSizeBytes);
        if (logId != null) {
            block.set(LONG, LOG_ID_OFFSET, logId.getMostSignificantBits());
            block.set(LONG, LOG_ID_OFFSET + Long.BYTES, logId.getLeastSignificantBits());
        }
        block.set(INT, CRC_OFFSET, crc(block));
        assert check(block, segmentNumber, segmentSizeBytes) == null : "segment header fails its own check";
    }

    public static int salt(MemorySegment block) {
        return block.get(INT, SALT_OFFSET);
    }

    /** The log a checked header names, or null (none recorded, or a version 1 header). */
    public static UUID logId(MemorySegment block) {
        if (block.get(INT, VERSION_OFFSET) == VERSION_WITHOUT_LOG_ID) {
            return null;
        }
        long most = block.get(LONG, LOG_ID_OFFSET);
        long least = block.get(LONG, LOG_ID_OFFSET + Long.BYTES);
        return most == 0 && least == 0 ? null : new UUID(most, least);
    }

    /** The segment size a header records (trust it only once {@link #check} found the header valid). */
    public static long segmentSizeBytes(MemorySegment block) {
        return block.get(LONG, SEGMENT_SIZE_OFFSET);
    }

    public static long segmentNumber(MemorySegment block) {
        return block.get(LONG, SEGMENT_NUMBER_OFFSET);
    }

    /**
     * Validates a header read from segment file {@code expectedNumber}.
     *
     * @return null when valid, otherwise what is wrong
     */
    public static String check(MemorySegment block, long expectedNumber, long expectedSegmentSizeBytes) {
        if (block.byteSize() < HEADER_LENGTH) {
            return "header truncated to " + block.byteSize() + " bytes";
        }
        if (block.get(LONG, MAGIC_OFFSET) != MAGIC) {
            return "bad magic " + Long.toHexString(block.get(LONG, MAGIC_OFFSET));
        }
        int version = block.get(INT, VERSION_OFFSET);
        if (version != VERSION && version != VERSION_WITHOUT_LOG_ID) {
            return "version=" + version + ", expected " + VERSION + " or " + VERSION_WITHOUT_LOG_ID;
        }
        if (version == VERSION && block.byteSize() < LOG_ID_END) {
            return "header truncated to " + block.byteSize() + " bytes";
        }
        if (block.get(INT, CRC_OFFSET) != crc(block)) {
            return "header CRC mismatch";
        }
        if (segmentNumber(block) != expectedNumber) {
            return "segmentNumber=" + segmentNumber(block) + " but the file is segment " + expectedNumber;
        }
        if (block.get(LONG, SEGMENT_SIZE_OFFSET) != expectedSegmentSizeBytes) {
            return "segmentSizeBytes=" + block.get(LONG, SEGMENT_SIZE_OFFSET) + ", configured "
                    + expectedSegmentSizeBytes;
        }
        return null;
    }

    private static int crc(MemorySegment block) {
        CRC32C crc = new CRC32C();
        crc.update(block.asSlice(0, CRC_OFFSET).asByteBuffer());
        if (block.get(INT, VERSION_OFFSET) != VERSION_WITHOUT_LOG_ID) {
            crc.update(block.asSlice(LOG_ID_OFFSET, LOG_ID_END - LOG_ID_OFFSET).asByteBuffer());
        }
        return (int) crc.getValue();
    }
}
